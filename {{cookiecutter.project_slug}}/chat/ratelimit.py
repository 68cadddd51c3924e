"""Rate limits per user, shared by every socket of the user on every process.

A limit held per socket resets when the client reconnects, and a user with several sockets
(or several processes) multiplies it. So the state lives where the limit must hold: in Redis
when the project has one (every process and dyno shares it), in this process otherwise (the
local setup is one process).

Each limit is a token bucket kept as one number, the GCRA's "theoretical arrival time": a
steady rate with room for bursts, one key per user and limit, checked and updated in one
Redis round trip by a script (atomic, on Redis's own clock). Every event costs a token of
the overall limit; expensive events (history pages, room creation, membership changes) also
cost one of their own.
"""

import asyncio
import logging
import time
import weakref

from django.conf import settings

from . import protocol

logger = logging.getLogger(__name__)

# Events limited on their own as well, by the key of their limit in CHAT["RATE_LIMITS"].
EVENT_LIMITS = {
    protocol.ROOM_MESSAGES: "history",
    protocol.ROOM_CREATE: "rooms",
    protocol.ROOM_DELETE: "rooms",
    protocol.ROOM_JOIN: "members",
    protocol.ROOM_LEAVE: "members",
    protocol.ROOM_ADD_MEMBERS: "members",
    protocol.ROOM_REMOVE_MEMBERS: "members",
    protocol.ROOM_UPDATE: "members",
}

# KEYS: one per limit. ARGV: for each limit, its emission interval and its burst window
# (burst x interval), in seconds. Allows (1) only if every limit allows, and then takes a
# token from each; refuses (0) changing nothing.
GCRA_SCRIPT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local next_tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  local tat = math.max(tonumber(redis.call('GET', key) or now), now)
  if tat + interval - now > window then
    return 0
  end
  next_tats[i] = tat + interval
end
for i, key in ipairs(KEYS) do
  local ttl = math.ceil((next_tats[i] - now) * 1000) + 1
  redis.call('SET', key, string.format('%.6f', next_tats[i]), 'PX', ttl)
end
return 1
"""


def limits_for(event_type):
    """Return the (name, per_second, burst) limits one event of ``event_type`` costs."""
    chat = settings.CHAT
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
    """The limits in Redis, shared by every process: one script call per event."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(GCRA_SCRIPT)
        self.prefix = f"{settings.REDIS_PREFIX}:ratelimit"

    async def allow(self, user_id, event_type):
        keys, args = [], []
        for name, per_second, burst in limits_for(event_type):
            keys.append(f"{self.prefix}:{name}:{user_id}")
            args += [1 / per_second, burst / per_second]
        try:
            return bool(await self.script(keys=keys, args=args))
        except Exception:
            # Redis is restarting: the chat keeps working unlimited rather than not at all.
            logger.warning("Rate limits unavailable; allowing the event", exc_info=True)
            return True


_by_loop = weakref.WeakKeyDictionary()


def for_this_process():
    """Return the running event loop's limiter (a Redis client is bound to its loop)."""
    loop = asyncio.get_running_loop()
    limiter = _by_loop.get(loop)
    if limiter is None:
        limiter = _by_loop[loop] = _new_limiter()
    return limiter


def _new_limiter():
    redis_settings = settings.CHAT["RATE_LIMIT_REDIS"]
    if redis_settings is None:
        return LocalLimiter()
    from redis.asyncio import BlockingConnectionPool, Redis

    options = dict(redis_settings)
    pool = BlockingConnectionPool.from_url(
        options.pop("address"), max_connections=settings.CHAT["RATE_LIMIT_REDIS_CLIENTS"], **options
    )
    return RedisLimiter(Redis(connection_pool=pool))
