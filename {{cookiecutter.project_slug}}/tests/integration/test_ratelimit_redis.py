"""The Redis limiter against a real Redis: tokens taken a few at a time, never more than the
limit allows over every process together."""

import uuid

import pytest
import redis

from chat.ratelimit import RedisLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def limits(settings):
    settings.REDIS_PREFIX = f"t{uuid.uuid4().hex[:8]}"
    settings.CHAT = {
        **settings.CHAT,
        "RATE_LIMIT_PER_SECOND": 0.01,  # nothing refills while a test runs
        "RATE_LIMIT_BURST": 10,
        "RATE_LIMIT_LEASE": 4,
        "RATE_LIMIT_LEASE_SECONDS": 1.0,
    }


@pytest.fixture
def client(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


async def test_a_process_spends_leased_tokens_without_asking_redis(limits, client):
    limiter = RedisLimiter(client, clock=Clock())
    assert await limiter.allow(1, "message.send")
    # The first event took a lease of four: three are left here.
    assert limiter.leases[(1, ("events",))][0] == 3
    before = client.info("stats")["total_commands_processed"]
    assert [await limiter.allow(1, "message.send") for _ in range(3)] == [True] * 3
    assert client.info("stats")["total_commands_processed"] == before + 1  # the INFO itself


async def test_processes_together_never_exceed_the_burst(limits, client):
    processes = [RedisLimiter(client, clock=Clock()) for _ in range(3)]
    allowed = [await processes[i % 3].allow(7, "message.send") for i in range(30)]
    assert sum(allowed) == 10
    assert allowed[:6] == [True] * 6  # the first leases: 4 + 4 + the last 2


async def test_leased_tokens_not_spent_in_time_are_dropped(limits, client):
    clock = Clock()
    limiter = RedisLimiter(client, clock=clock)
    assert await limiter.allow(3, "message.send")  # leases 4, spends 1
    clock.now = 1.5  # the other 3 are too old to spend: dropped, not kept for later
    allowed = [await limiter.allow(3, "message.send") for _ in range(10)]
    assert allowed == [True] * 6 + [False] * 4
    # 1 + 6 events of the burst of 10: the 3 dropped tokens never came back.


async def test_expensive_events_take_one_token_of_each_limit(limits, client, settings):
    settings.CHAT = {
        **settings.CHAT,
        "RATE_LIMITS": {**settings.CHAT["RATE_LIMITS"], "rooms": (0.01, 2)},
    }
    limiter = RedisLimiter(client, clock=Clock())
    assert [await limiter.allow(5, "room.create") for _ in range(3)] == [True, True, False]
    # Two overall tokens went with them; a refused event took none.
    assert limiter.leases.get((5, ("events",))) is None
    assert [await limiter.allow(5, "message.send") for _ in range(9)] == [True] * 8 + [False]
