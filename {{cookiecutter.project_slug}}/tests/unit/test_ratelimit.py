from chat.ratelimit import TokenBucket


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_burst_then_steady_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]
    clock.now = 0.5  # one token refilled at 2 per second
    assert [bucket.allow() for _ in range(2)] == [True, False]
    clock.now = 100  # refill stops at the burst size
    assert [bucket.allow() for _ in range(4)] == [True, True, True, False]
