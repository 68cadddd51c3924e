"""The one place where async code calls the synchronous domain (services and selectors).

Channels runs every database_sync_to_async call of a process on a single thread, so one slow
query stalls every socket of the process, and ASGI_THREADS, which asgiref no longer reads,
changes nothing. Here chat database work runs on a pool of ASGI_THREADS threads instead; each
call releases its database connection when it ends, so with Django's PostgreSQL pool (sized to
ASGI_THREADS in settings) a process never holds more than ASGI_THREADS connections.
"""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from . import broadcast


@functools.cache
def _executor():
    # Built on first use, not at import, so settings are read after Django is configured.
    return ThreadPoolExecutor(max_workers=settings.ASGI_THREADS, thread_name_prefix="chat-db")


def _call(func, kwargs):
    close_old_connections()
    try:
        with broadcast.collected() as outbox:
            result = func(**kwargs)
        return result, outbox
    finally:
        # CONN_MAX_AGE is 0: this returns the connection to the pool (or closes SQLite's).
        close_old_connections()


async def run(func, **kwargs):
    """Run ``func(**kwargs)`` on a database thread; return its result and what it published.

    The events are not sent yet: call() sends them, or the caller with broadcast.flush().
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), _call, func, kwargs)


async def call(func, **kwargs):
    """Run ``func(**kwargs)`` on a database thread, send what it published, return its result.

    The events go out from the event loop once the call returns, so no database thread ever
    waits on the channel layer.
    """
    result, outbox = await run(func, **kwargs)
    await broadcast.flush(outbox)
    return result


async def offload(func, *args):
    """Run blocking I/O that is not the database's (a Redis call) on the same threads."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), func, *args)
