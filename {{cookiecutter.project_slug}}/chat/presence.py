"""Presence, all of it: who is online, the announcements, and the grace period.

A user is online while one of their sessions was seen within PRESENCE_TTL (heartbeats keep
sessions fresh). A page reload, a network change or a server restart closes a socket and
opens another within seconds; announcing offline at once would make every member list
flicker and cost a broadcast per reconnect. So the last close only marks the user away, in
the shared cache (Redis in production, so a socket reopened on any process sees it), and
settle() runs PRESENCE_GRACE seconds later on that process: it announces offline only if no
socket came back meanwhile. A connect that finds the mark consumes it and announces nothing.

Reads (online_user_ids, room_presence, users_presence) and writes (announce, mark_away_many,
came_back_many, settle) are synchronous domain code like the services; settle_later() is the
event loop's timer.
"""

import asyncio
import logging
import weakref
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from . import batches, broadcast, payloads, protocol, redis_clients, selectors
from .models import ChatSession, Membership

logger = logging.getLogger(__name__)


def away_key(user_id):
    """Cache key present while a user's last socket is closed but offline is not announced."""
    return f"chat:presence:away:{user_id}"


def online_since():
    """Sessions seen since this moment are live."""
    return timezone.now() - timedelta(seconds=settings.CHAT["PRESENCE_TTL"])


def users_with_live_sessions(user_ids):
    """Return which of ``user_ids`` have a session seen recently (one query)."""
    return set(
        ChatSession.objects.filter(user_id__in=user_ids, last_seen__gte=online_since())
        .values_list("user_id", flat=True)
        .distinct()
    )


def online_user_ids(user_ids):
    """Return which of ``user_ids`` are online, counting those still within the grace."""
    live = users_with_live_sessions(user_ids)
    keys = {away_key(user_id): user_id for user_id in user_ids if user_id not in live}
    return live | {keys[key] for key in cache.get_many(keys)}


def room_presence(*, user, room_id):
    """Return the members of a room the user belongs to who are online now."""
    selectors.membership_for(user, room_id)
    members = list(
        Membership.objects.filter(room_id=room_id).select_related("user").order_by("user_id")
    )
    online = online_user_ids([m.user_id for m in members])
    return {
        "room_id": room_id,
        "online": [payloads.user_payload(m.user) for m in members if m.user_id in online],
        # Whether presence.changed keeps this list current; if not, ask again to refresh it.
        "announced": len(members) <= settings.CHAT["PRESENCE_MAX_ROOM_SIZE"],
    }


def users_presence(*, user, user_ids):
    """Return whether each of ``user_ids`` who shares a room with ``user`` is online.

    The page shows presence beyond the open room (a direct room's peer in the room list, a
    profile card), and presence.changed reaches it from every room it is in; this is the
    state to start from. Presence is for the people one shares a conversation with, as in
    room_presence: anyone else is left out of the answer. Two queries however many are asked
    (at most chat.events.people.MAX_PRESENCE_USERS).
    """
    asked = set(user_ids) - {user.pk}
    shared = set(
        Membership.objects.filter(
            user_id__in=asked, room__in=Membership.objects.filter(user=user).values("room")
        ).values_list("user_id", flat=True)
    )
    online = online_user_ids(shared) if shared else set()
    return {"users": [{"id": pk, "online": pk in online} for pk in sorted(shared)]}


def announce(user, room_ids, *, online):
    """Tell each room that ``user`` came online or went offline, after commit."""
    announce_many({user: room_ids}, online=online)


def announce_many(rooms_by_user, *, online):
    """Tell each user's rooms that they came online or went offline, after commit.

    Rooms above PRESENCE_MAX_ROOM_SIZE members are left out (their members ask on demand),
    so what one user's arrival costs stays bounded however large their rooms are.
    """
    room_ids = set().union(*rooms_by_user.values())
    if not room_ids:
        return
    sizes = (
        Membership.objects.filter(room_id__in=room_ids)
        .values("room_id")
        .annotate(members=Count("pk"))
        .filter(members__lte=settings.CHAT["PRESENCE_MAX_ROOM_SIZE"])
    )
    small = {row["room_id"] for row in sizes}
    for user, user_room_ids in rooms_by_user.items():
        for room_id in sorted(small.intersection(user_room_ids)):
            data = {"room_id": room_id, "user": payloads.user_payload(user), "online": online}
            broadcast.room_event(room_id, protocol.event(protocol.PRESENCE_CHANGED, data))


def mark_away_many(user_ids):
    """Mark users away (one cache call); the mark outlives the grace, so a late settle() still
    finds it."""
    if user_ids:
        timeout = settings.CHAT["PRESENCE_GRACE"] * 2 + 60
        cache.set_many({away_key(user_id): True for user_id in user_ids}, timeout=timeout)


def came_back(user_id):
    """Consume the away mark; True if the user was within the grace (offline unannounced)."""
    return user_id in came_back_many([user_id])


def came_back_many(user_ids):
    """Consume the away marks of ``user_ids``; return those who had one.

    Each mark is consumed by one caller only (a delete is atomic), so of a connect and a
    settle() racing for it exactly one acts. On Redis the deletes go out as one pipeline: a
    batch of connects in a reconnect storm makes one round trip, not one per user, while it
    holds its users' rows.
    """
    user_ids = list(user_ids)
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return {user_id for user_id in user_ids if backend.delete(away_key(user_id))}
    if not user_ids:
        return set()
    with redis_clients.cache_client(settings).pipeline(transaction=False) as pipeline:
        for user_id in user_ids:
            pipeline.delete(backend.make_and_validate_key(away_key(user_id)))
        deleted = pipeline.execute()
    return {user_id for user_id, count in zip(user_ids, deleted, strict=True) if count}


def settle(*, user):
    """Announce ``user`` offline unless a socket came back since the last one closed.

    Safe to run from several processes: only the one that removes the away mark announces.
    """
    settle_many(requests=[{"user": user}])


@transaction.atomic
def settle_many(*, requests):
    """settle() for a batch of users (chat.batches): at most three queries, one Redis trip.

    A deploy closes every socket of a process at once, and PRESENCE_GRACE seconds later all
    their timers fire together: one by one, those settles would take every database thread
    for a while and the messages sent meanwhile would wait behind them.
    """
    users = {request["user"].pk: request["user"] for request in requests}
    consumed = came_back_many(users)
    gone = consumed - users_with_live_sessions(consumed)
    rooms = selectors.room_ids_for_users(gone)
    announce_many({users[user_id]: rooms[user_id] for user_id in gone}, online=False)
    return [None] * len(requests)


# --- The grace timer, on the event loop: one per user per process; each close restarts it ---

# event loop -> {user id: TimerHandle}
_timers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.TimerHandle]] = (
    weakref.WeakKeyDictionary()
)
_running: set[asyncio.Task] = set()  # settle tasks, referenced until they finish


def settle_later(user):
    """Run settle() for ``user`` after the grace period, once."""
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
        await batches.call(settle_many, user=user)
    except Exception:
        # The user stays shown online until their next connect and disconnect.
        logger.exception("Could not settle the presence of user %s", user.pk)
