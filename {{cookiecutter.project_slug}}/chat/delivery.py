"""What one socket sends: one queue, one writer, one policy for clients that stop reading.

Replies and channel-layer events go through the same queue and are handled in order by one
writer task. The writer is started eagerly (``eager_start``), so when the socket has room a
frame is written before push() returns, with no task switch and no timer. Only a writer that
has to wait (the socket's buffers are full: Uvicorn applies backpressure) is watched: if it
makes no progress for SLOW_CLIENT_TIMEOUT seconds, the client has stopped reading and
``on_stalled`` is called, once. The client reconnects and catches up by seq.
"""

import asyncio
import collections
import logging

logger = logging.getLogger(__name__)


class Delivery:
    """The ordered outgoing work of one socket.

    ``process(item)`` is the coroutine that handles one queued item (writes a reply, or
    applies a layer event and writes it). Items queued before open() wait, so the first
    frame a client sees is the one open() is given.
    """

    def __init__(self, process, *, on_stalled, timeout):
        self.process = process
        self.on_stalled = on_stalled
        self.timeout = timeout
        # None while empty: most sockets are idle most of the time.
        self.queue = None
        self.writer = None
        self.handled = 0
        self.opened = False
        self.stopped = False

    def open(self, first):
        """Start handling items, ``first`` before any queued while waiting."""
        self.opened = True
        self._queue().appendleft(first)
        self._start()

    def push(self, item):
        """Queue an item; returns at once (having handled it, if nothing had to wait)."""
        if self.stopped:
            return
        self._queue().append(item)
        self._start()

    def stop(self):
        """Handle nothing more; whatever is queued is dropped."""
        self.stopped = True
        self.queue = None

    def _queue(self):
        if self.queue is None:
            self.queue = collections.deque()
        return self.queue

    def _start(self):
        if self.opened and self.queue and (self.writer is None or self.writer.done()):
            loop = asyncio.get_running_loop()
            self.writer = asyncio.Task(self._write(), loop=loop, eager_start=True)
            if not self.writer.done():
                self._watch(self.writer)

    def _watch(self, writer):
        asyncio.get_running_loop().call_later(self.timeout, self._check, writer, self.handled)

    def _check(self, writer, handled_before):
        if writer.done() or self.stopped:
            return
        if self.handled != handled_before:
            self._watch(writer)  # Slow but moving.
            return
        writer.cancel()
        self.stop()
        self.on_stalled()

    async def _write(self):
        while self.queue and not self.stopped:
            item = self.queue.popleft()
            try:
                await self.process(item)
            except OSError:
                return  # The client left; its disconnect cleans up.
            except Exception:
                logger.exception("Could not deliver %r", _describe(item))
            self.handled += 1
        self.queue = None


def _describe(item):
    return item.get("type") if isinstance(item, dict) else "a reply"
