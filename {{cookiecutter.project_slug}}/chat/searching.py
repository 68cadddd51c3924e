"""message.search's handler: searches share the database without starving everyone else.

A search is the one event whose cost its sender chooses: a word in most of a large room's
messages, `-word`, a list of `or` alternatives. It runs on the same database threads
(chat.sync) and the same PostgreSQL CPU as sends, connects and history pages, so it is
bounded three ways:

- one search per user at a time, over all their sockets and processes: a short lock in the
  cache (Redis when the project has one). A second search while the first runs is refused
  with search_busy (4028) rather than queued, so one user cannot fill the queue;
- at most CHAT["SEARCH_THREADS"] searches per process at once, and never all ASGI_THREADS
  threads: the others stay free for everything else. Searches past that wait here, on the
  event loop, holding no thread and no database connection, so the database budget is the
  one chat.sync already keeps;
- each one's statement (chat.selectors.search): the newest CHAT["SEARCH_RANK_MAX"] matches
  ranked, under CHAT["SEARCH_TIMEOUT"].
"""

import asyncio
import contextlib
import logging
import weakref

from django.conf import settings
from django.core.cache import cache

from . import exceptions, selectors, sync

logger = logging.getLogger(__name__)

# A lock outlives a search only if its process died mid-search; it then expires after this.
LOCK_SECONDS = 60

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def search_threads():
    """How many searches a process runs at once: SEARCH_THREADS, one thread always spared."""
    return max(1, min(settings.CHAT["SEARCH_THREADS"], settings.ASGI_THREADS - 1))


def _slots_here():
    """The running loop's semaphore (an asyncio primitive belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(search_threads())
    return _slots[loop]


async def message_search(*, user, query, room_id=None, sender=None, cursor=None, limit=None):
    """chat.selectors.message_search, one per user and SEARCH_THREADS per process at once."""
    async with _user_lock(user.pk), _slots_here():
        return await sync.call(
            selectors.message_search,
            user=user,
            query=query,
            room_id=room_id,
            sender=sender,
            cursor=cursor,
            limit=limit,
        )


@contextlib.asynccontextmanager
async def _user_lock(user_id):
    key = f"chat:search-lock:{user_id}"
    try:
        taken = await sync.offload(cache.add, key, 1, LOCK_SECONDS)
    except Exception:
        # The cache is restarting: search without the lock (the per-process bound holds).
        logger.warning("Search lock unavailable; searching without it", exc_info=True)
        yield
        return
    if not taken:
        raise exceptions.SearchBusyError()
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            await sync.offload(cache.delete, key)
