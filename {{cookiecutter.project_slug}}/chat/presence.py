"""Offline announcements, PRESENCE_GRACE seconds after a user's last socket closes.

A page reload, a network change or a server restart closes a socket and opens another within
seconds. Announcing offline at once would make every member list flicker and cost a broadcast
per reconnect. services.session_close() marks the user away instead; this module runs
services.presence_settle() after the grace period, which announces offline only if no socket
came back meanwhile, on any process. One timer per user per process: each close restarts it.
"""

import asyncio
import logging
import weakref

from django.conf import settings

from . import broadcast, services, sync

logger = logging.getLogger(__name__)

_timers = weakref.WeakKeyDictionary()  # event loop -> {user id: TimerHandle}
_running = set()  # settle tasks, referenced until they finish


def settle_later(user):
    """Run presence_settle for ``user`` after the grace period, once."""
    loop = asyncio.get_running_loop()
    timers = _timers.setdefault(loop, {})
    if (timer := timers.pop(user.pk, None)) is not None:
        timer.cancel()
    timers[user.pk] = loop.call_later(settings.CHAT["PRESENCE_GRACE"], _start, loop, user)


def _start(loop, user):
    _timers.get(loop, {}).pop(user.pk, None)
    task = loop.create_task(_settle(user))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _settle(user):
    try:
        _, outbox = await sync.run(services.presence_settle, user=user)
        await broadcast.flush(outbox)
    except Exception:
        # The user stays shown online until their next connect and disconnect.
        logger.exception("Could not settle the presence of user %s", user.pk)
