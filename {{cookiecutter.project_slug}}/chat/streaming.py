"""Sending what a synchronous generator makes, from an ASGI server, a piece at a time.

Django's ASGI handler consumes a synchronous iterator whole before it sends anything
(StreamingHttpResponse warns so): an archive of a user's data would be held in memory. So
the generator is driven from an asynchronous one, each of its pieces made on a thread of its
own: one thread for the whole generator, since its database cursor (PostgreSQL's server-side
one, from QuerySet.iterator) belongs to that thread's connection. The thread is the request's
until the last piece is sent or the client goes; its connection is closed then.

A process runs CHAT["EXPORT_WORKERS"] such generators at once; a request beyond them is
answered 503 with Retry-After at once rather than queued.
"""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

_lock = threading.Lock()
_running = {"count": 0}


def take_slot(limit):
    """Reserve one of the process's ``limit`` slots; False if all are taken."""
    with _lock:
        if _running["count"] >= limit:
            return False
        _running["count"] += 1
        return True


class Pieces:
    """The content of a StreamingHttpResponse: what ``make_generator()`` yields, each piece
    made on the request's own thread.

    Holds a slot taken with take_slot(); Django calls close() once the response is done,
    whether or not its content was ever read (a client that went before the first byte), and
    that gives the slot back.
    """

    def __init__(self, make_generator):
        self.make_generator = make_generator
        self.closed = False

    def close(self):
        with _lock:
            if not self.closed:
                self.closed = True
                _running["count"] -= 1

    async def __aiter__(self):
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-stream")
        loop = asyncio.get_running_loop()
        generator = None
        try:
            generator = await loop.run_in_executor(executor, self.make_generator)
            while (
                piece := await loop.run_in_executor(executor, next, generator, None)
            ) is not None:
                if piece:
                    yield piece
        finally:
            await asyncio.shield(loop.run_in_executor(executor, _close, generator))
            executor.shutdown(wait=False)
            self.close()


def _close(generator):
    if generator is not None:
        generator.close()
    connection.close()
