"""The in-process limiter alone (the Redis one is tested through sockets, tests/security)."""

from chat.ratelimit import LocalLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


async def test_burst_then_steady_rate(settings):
    settings.CHAT = {**settings.CHAT, "RATE_LIMIT_PER_SECOND": 2, "RATE_LIMIT_BURST": 3}
    clock = Clock()
    limiter = LocalLimiter(clock=clock)
    assert [await limiter.allow(1, "room.list") for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5  # one token back at 2 per second
    assert [await limiter.allow(1, "room.list") for _ in range(2)] == [True, False]
    clock.now = 100  # refill stops at the burst size
    assert [await limiter.allow(1, "room.list") for _ in range(4)] == [True, True, True, False]


async def test_users_have_their_own_limits(settings):
    settings.CHAT = {**settings.CHAT, "RATE_LIMIT_PER_SECOND": 1, "RATE_LIMIT_BURST": 1}
    limiter = LocalLimiter(clock=Clock())
    assert [await limiter.allow(user, "room.list") for user in (1, 2, 1)] == [True, True, False]


async def test_expensive_events_also_cost_their_own_limit(settings):
    settings.CHAT = {
        **settings.CHAT,
        "RATE_LIMIT_PER_SECOND": 100,
        "RATE_LIMIT_BURST": 100,
        "RATE_LIMITS": {**settings.CHAT["RATE_LIMITS"], "rooms": (0.01, 2)},
    }
    limiter = LocalLimiter(clock=Clock())
    created = [await limiter.allow(1, "room.create") for _ in range(3)]
    assert created == [True, True, False]
    # A refused event takes nothing from the overall limit; cheap events still pass.
    assert await limiter.allow(1, "message.send")
