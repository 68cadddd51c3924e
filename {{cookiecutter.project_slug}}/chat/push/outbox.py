"""One process's pushes waiting to be sent, and the thread that sends them.

A push is a request to someone else's server, which can be slow or dead: it never runs in a
web request or a socket's handler. The hooks put a job here after the commit (put() returns
at once) and one daemon thread per process takes them in order (chat.push.sender). The queue
holds CHAT["PUSH_QUEUE_SIZE"] jobs; when a dead push service has filled it with jobs each
waiting out CHAT["PUSH_TIMEOUT"], new ones are dropped, logged and counted, and the chat goes
on: a missed push still leaves the notification in the page and in the email digest.

The thread is a daemon, so a process never stays up for it; but a short-lived one (a
management command or a scheduled job that posts a message) would exit with its pushes still
queued. So at exit the process waits for them, CHAT["PUSH_EXIT_WAIT"] seconds at most: a dead
push service costs a stopping process that long, never more.
"""

import atexit
import collections
import logging
import queue
import threading

from django import db
from django.conf import settings

logger = logging.getLogger(__name__)


class Outbox:
    def __init__(self):
        self.queue = None
        self.thread = None
        self.lock = threading.Lock()
        # sent, gone (subscriptions removed), failed (refused or timed out), dropped (full)
        self.counts = collections.Counter()

    def put(self, job):
        """Queue ``job`` (a callable taking no arguments) for the sending thread."""
        self._start()
        try:
            self.queue.put_nowait(job)
        except queue.Full:
            self.counts["dropped"] += 1
            logger.warning(
                "Push queue full (%d): a push was dropped, %d so far",
                self.queue.maxsize,
                self.counts["dropped"],
            )

    def join(self, timeout=None):
        """Wait until every job queued so far is done, or ``timeout`` seconds; return whether
        they are."""
        if self.queue is None:
            return True
        done = self.queue.all_tasks_done
        with done:
            return done.wait_for(lambda: not self.queue.unfinished_tasks, timeout)

    def _at_exit(self):
        # A process forked after the thread started has none: nothing to wait for there.
        if self.thread is not None and self.thread.is_alive():
            self.join(settings.CHAT["PUSH_EXIT_WAIT"])
        if self.queue is not None and self.queue.unfinished_tasks:
            logger.warning("Exiting with %d pushes not sent", self.queue.unfinished_tasks)

    def _start(self):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                if self.queue is None:
                    self.queue = queue.Queue(maxsize=settings.CHAT["PUSH_QUEUE_SIZE"])
                    atexit.register(self._at_exit)
                self.thread = threading.Thread(target=self._run, name="chat-push", daemon=True)
                self.thread.start()

    def _run(self):
        while True:
            job = self.queue.get()
            try:
                job()
            except Exception:
                logger.exception("A push job failed")
            finally:
                # Give the connection back between jobs: the thread waits most of its life.
                db.close_old_connections()
                db.connection.close()
                self.queue.task_done()


outbox = Outbox()
