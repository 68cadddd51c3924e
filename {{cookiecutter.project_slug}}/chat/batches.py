"""Calls of one domain function made at the same time, run together in one database call.

A deploy, a dyno restart or a network blip reconnects every socket of a process at once.
Run one by one, each connect pays its own thread hop, its own statements and its own commit,
and a process holding thousands of sockets needs minutes before the last user is back. A
Batch queues the calls that arrive while earlier ones are running and hands them to the
domain function as one list: the function reads and writes the whole batch with a few
statements in one transaction. Under light load a batch holds one call and costs what a
single call did; nothing ever waits for a batch to fill.

If a batch fails as a whole, its calls are run again one by one, so one bad call fails
alone and the others proceed. A call refused by a rule while the rest of its batch goes on
is answered with an exception as its result, which that call alone raises.
"""

import asyncio
import logging
import weakref

from . import sync

logger = logging.getLogger(__name__)

# Calls per batch: enough to absorb a storm, few enough that one batch's statements and
# its lock on the users' rows stay short.
MAX_SIZE = 100
# Batches of one kind running at once on a process: a second one overlaps the first one's
# commit, and the rest of ASGI_THREADS stays free for messages.
CONCURRENCY = 2


class Batch:
    """Queues ``func(requests=[...])`` calls and runs them on database threads, together."""

    def __init__(self, func, *, max_size=MAX_SIZE, concurrency=CONCURRENCY):
        self.func = func
        self.name = getattr(func, "__qualname__", repr(func))
        self.max_size = max_size
        self.concurrency = concurrency
        self.pending = []  # (request, future)
        self.running = 0
        self.tasks = set()

    async def call(self, **request):
        """Return ``func``'s result for ``request``, run with whatever else is queued."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((request, future))
        self._start()
        return await future

    def _start(self):
        while self.pending and self.running < self.concurrency:
            batch, self.pending = self.pending[: self.max_size], self.pending[self.max_size :]
            self.running += 1
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _run(self, batch):
        try:
            await self._settle(batch)
        except BaseException as exc:
            # Whatever went wrong (the loop cancelling the task included), no caller is left
            # waiting for ever.
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(exc, Exception):
                    future.set_exception(exc)
                else:
                    future.cancel()
            raise
        finally:
            self.running -= 1
            self._start()

    async def _settle(self, batch):
        requests = [request for request, _ in batch]
        try:
            results = await sync.call(self.func, requests=requests)
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            logger.warning("A batch of %d %s calls failed; running them one by one",
                           len(batch), self.name, exc_info=True)  # fmt: skip
            await asyncio.gather(*(self._settle([item]) for item in batch))
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


# event loop -> {function: Batch}: one set of batches per process (and per test loop).
_batches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def batch_for(func):
    """Return this event loop's Batch of ``func``."""
    batches = _batches.setdefault(asyncio.get_running_loop(), {})
    if func not in batches:
        batches[func] = Batch(func)
    return batches[func]


async def call(func, **request):
    """Run ``func`` for ``request`` in this process's next batch of ``func`` calls."""
    return await batch_for(func).call(**request)
