"""Rate limits per user, shared by every socket of the user on every process.

A limit held per socket resets when the client reconnects, and a user with several sockets
(or several processes) multiplies it. So the state lives where the limit must hold: in Redis
when the project has one (every process and dyno shares it), in this process otherwise (the
local setup is one process).

Each limit is a token bucket kept as one number, the GCRA's "theoretical arrival time": a
steady rate with room for bursts, one key per user and limit, checked and updated in one
Redis round trip by a script (atomic, on Redis's own clock) that hands a process a few
tokens at a time. Every event costs a token of the overall limit; expensive events (history
pages, room creation, membership changes) also cost one of their own. Uploads, HTTP requests
rather than events, cost a token of their own limit only.
"""

import asyncio
import logging
import math
import time
import weakref

from asgiref.sync import async_to_sync
from django.conf import settings

from . import protocol, redis_clients, sync

logger = logging.getLogger(__name__)

# Events limited on their own as well, by the key of their limit in CHAT["RATE_LIMITS"].
EVENT_LIMITS = {
    protocol.ROOM_MESSAGES: "history",
    protocol.MESSAGE_SEARCH: "history",
    # The directory's autocomplete: a query per keystroke, and a list of who exists.
    protocol.USER_SEARCH: "history",
    protocol.ROOM_MEMBERS: "history",
    protocol.ROOM_CREATE: "rooms",
    protocol.ROOM_DELETE: "rooms",
    protocol.ROOM_JOIN: "members",
    protocol.ROOM_LEAVE: "members",
    protocol.ROOM_ADD_MEMBERS: "members",
    protocol.INVITATION_ACCEPT: "members",
    protocol.INVITATION_DECLINE: "members",
    protocol.ROOM_REMOVE_MEMBERS: "members",
    protocol.ROOM_UPDATE: "members",
    # Moderation writes notify others (a report reaches every admin of the room).
    protocol.ROOM_BAN: "members",
    protocol.ROOM_UNBAN: "members",
    protocol.USER_BLOCK: "members",
    protocol.USER_UNBLOCK: "members",
    protocol.MESSAGE_REPORT: "members",
    # Each reaction goes to every socket of the room.
    protocol.MESSAGE_REACT: "reactions",
    # A page of followed threads counts their unread replies: a history read.
    protocol.THREADS_LIST: "history",
    # A bot is a new user and a new member, announced to the room: as costly as a room.
    protocol.BOT_CREATE: "rooms",
    protocol.BOT_REVOKE: "members",
    # A change of profile goes to every room of the user up to PROFILE_EVENT_MAX_ROOM_SIZE.
    protocol.PROFILE_UPDATE: "profile",
}

# Events that cost a token of the overall limit alone, each with why that is enough. Every
# client event is in EVENT_LIMITS or here (tests/unit/test_event_tables.py), so a new event
# is limited on purpose, not by omission; a refused event gets 4029 rate_limited either way.
WRITES_OWN = "changes what only its sender sees or one message, reaching one room at most"
RECEIPT = "a position moving forward, sent as the user reads; the database write is one row"
READS_OWN = "reads one room or the user's own short list, by index"
KEEPALIVE = "the client's heartbeat or typing signal, sent on a timer, and cheap"
OVERALL_ONLY = {
    protocol.MESSAGE_SEND: "the chat itself: the overall limit is sized for conversation",
    protocol.MESSAGE_FORWARD: "a send of a message the user can read: as message.send",
    protocol.MESSAGE_EDIT: WRITES_OWN,
    protocol.MESSAGE_DELETE: WRITES_OWN,
    protocol.ROOM_MUTE: WRITES_OWN,
    protocol.SETTINGS_UPDATE: WRITES_OWN,
    protocol.MESSAGE_READ: RECEIPT,
    protocol.MESSAGE_DELIVERED: RECEIPT,
    protocol.MESSAGE_TYPING: KEEPALIVE,
    protocol.SESSION_HEARTBEAT: KEEPALIVE,
    protocol.SESSION_VISIBILITY: "one row of the socket's own, written as its page shows or hides",
    protocol.PRESENCE: READS_OWN,
    protocol.PRESENCE_USERS: "at most 100 people, two indexed queries and one cache read",
    protocol.ROOM_INFO: READS_OWN,
    protocol.ROOM_RECEIPTS: READS_OWN,
    protocol.ROOM_LIST: READS_OWN,
    protocol.ROOM_DISCOVER: "one bounded page of public rooms",
    protocol.ROOM_BANS: READS_OWN,
    protocol.USER_BLOCKS: READS_OWN,
    protocol.NOTIFICATION_LIST: READS_OWN,
    protocol.INVITATION_LIST: READS_OWN,
    protocol.THREAD_FOLLOW: WRITES_OWN,
    protocol.THREAD_UNFOLLOW: WRITES_OWN,
    protocol.THREAD_READ: RECEIPT,
    protocol.BOT_LIST: "one room's bots, for its admins, by index",
}

# Requests that are not socket events, each limited by its own limit alone: an upload is
# not a frame, and does not spend the tokens of the user's open sockets.
UPLOAD = "attachment.upload"
# A webhook call, counted per bot: one bot's flood must not fill its room, nor the server.
WEBHOOK = "webhook.post"
# An avatar is decoded as an image upload is, and announced as profile.update is.
AVATAR = "profile.avatar"
# An archive of the user's data reads every row of theirs and copies every file they sent.
EXPORT = "profile.export"
# Deleting one's account checks the password: each try costs, as a profile change does.
ACCOUNT_DELETE = "account.delete"
REQUEST_LIMITS = {
    UPLOAD: "uploads",
    WEBHOOK: "webhooks",
    AVATAR: "profile",
    EXPORT: "exports",
    ACCOUNT_DELETE: "profile",
}

# KEYS: one per limit. ARGV: how many tokens are wanted, then for each limit its emission
# interval and its burst window (burst x interval), in seconds. Takes as many tokens as every
# limit allows, at most the wanted number, from each; returns how many (0 changes nothing).
GCRA_SCRIPT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local granted = tonumber(ARGV[1])
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local tat = math.max(tonumber(redis.call('GET', key) or now), now)
  granted = math.min(granted, math.floor((window - (tat - now)) / interval + 1e-9))
  tats[i] = tat
end
if granted < 1 then
  return 0
end
for i, key in ipairs(KEYS) do
  local next_tat = tats[i] + granted * tonumber(ARGV[2 * i])
  local ttl = math.ceil((next_tat - now) * 1000) + 1
  redis.call('SET', key, string.format('%.6f', next_tat), 'PX', ttl)
end
return granted
"""


def limits_for(event_type):
    """Return the (name, per_second, burst) limits one event of ``event_type`` costs."""
    chat = settings.CHAT
    if (name := REQUEST_LIMITS.get(event_type)) is not None:
        return [(name, *chat["RATE_LIMITS"][name])]
    limits = [("events", chat["RATE_LIMIT_PER_SECOND"], chat["RATE_LIMIT_BURST"])]
    if (name := EVENT_LIMITS.get(event_type)) is not None:
        limits.append((name, *chat["RATE_LIMITS"][name]))
    return limits


class LocalLimiter:
    """The limits in this process's memory: for the one-process local setup."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.tats = {}

    async def allow(self, user_id, event_type):
        now = self.clock()
        keys, next_tats = [], []
        for name, per_second, burst in limits_for(event_type):
            key = (user_id, name)
            tat = max(self.tats.get(key, now), now)
            if tat + 1 / per_second - now > burst / per_second:
                return False
            keys.append(key)
            next_tats.append(tat + 1 / per_second)
        self.tats.update(zip(keys, next_tats, strict=True))
        if len(self.tats) > 100_000:
            self.tats = {key: tat for key, tat in self.tats.items() if tat > now}
        return True


class RedisLimiter:
    """The limits in Redis, shared by every process, taken a few tokens at a time.

    A process takes up to RATE_LIMIT_LEASE of a user's tokens in one script call and spends
    them on that user's next events here, so most events cost no Redis round trip. Tokens
    not spent within RATE_LIMIT_LEASE_SECONDS are dropped: a user spread over several
    processes may lose a few, never gain any. The call runs on a database thread through the
    cache's connection (chat.redis_clients), so the limits add no Redis client.
    """

    def __init__(self, client, clock=time.monotonic):
        self.script = client.register_script(GCRA_SCRIPT)
        self.prefix = f"{settings.REDIS_PREFIX}:ratelimit"
        self.clock = clock
        self.leases = {}  # (user id, limit names) -> (tokens left, taken at)

    async def allow(self, user_id, event_type):
        limits = limits_for(event_type)
        key = (user_id, tuple(name for name, _, _ in limits))
        tokens, taken_at = self.leases.get(key, (0, 0.0))
        if tokens and self.clock() - taken_at < settings.CHAT["RATE_LIMIT_LEASE_SECONDS"]:
            self.leases[key] = (tokens - 1, taken_at)
            return True
        # Only plain events are leased; expensive events and requests are rare: one at a time.
        wanted = settings.CHAT["RATE_LIMIT_LEASE"] if key[1] == ("events",) else 1
        granted = await sync.offload(self.take, user_id, limits, wanted)
        if len(self.leases) > 100_000:
            self.leases.clear()
        self.leases[key] = (granted - 1, self.clock()) if granted else (0, 0.0)
        return granted > 0

    def take(self, user_id, limits, wanted):
        keys, args = [], [wanted]
        for name, per_second, burst in limits:
            keys.append(f"{self.prefix}:{name}:{user_id}")
            args += [1 / per_second, burst / per_second]
        try:
            return int(self.script(keys=keys, args=args))
        except Exception:
            # Redis is restarting: the chat keeps working unlimited rather than not at all.
            logger.warning("Rate limits unavailable; allowing the event", exc_info=True)
            return 1


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, "LocalLimiter | RedisLimiter"] = (
    weakref.WeakKeyDictionary()
)


def for_this_process():
    """Return the running event loop's limiter (a Redis client is bound to its loop)."""
    loop = asyncio.get_running_loop()
    limiter = _by_loop.get(loop)
    if limiter is None:
        limiter = _by_loop[loop] = _new_limiter()
    return limiter


def allow_request(user_id, request_type):
    """allow() for a synchronous view: asks the limiter of the server's event loop.

    Outside a server (a management command, Django's test client) there is no such loop:
    each call runs on a loop of its own, where limits kept in this process (no Redis) start
    afresh.
    """

    async def allow():
        return await for_this_process().allow(user_id, request_type)

    return async_to_sync(allow)()


def retry_after(request_type):
    """Seconds until a refused request's limit has a token again."""
    per_second = limits_for(request_type)[0][1]
    return max(1, math.ceil(1 / per_second))


def _new_limiter():
    if "RedisCache" not in settings.CACHES["default"]["BACKEND"]:
        return LocalLimiter()
    return RedisLimiter(redis_clients.cache_client(settings))
