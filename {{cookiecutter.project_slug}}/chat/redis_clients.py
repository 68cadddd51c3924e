"""The Redis connections a process opens, bounded, so a plan's client limit holds.

Heroku Key-Value Store's mini plan accepts 20 clients. A web process holds at most three:

- one subscribing for the channel layer (chat.fanout: one layer channel per process);
- one publishing for it: chat.publisher sends one event (or one BATCH) at a time;
- one for the cache, shared by every database thread and by the rate limits (chat.ratelimit),
  through the pool below.

Each connection names itself (CLIENT SETNAME "<prefix>.<role>"), so `CLIENT LIST` tells them
apart. The README's Redis budget gives the formula per dyno.
"""

import threading

import redis

_pools: dict[str, redis.BlockingConnectionPool] = {}
_pools_lock = threading.Lock()


class SharedBlockingPool(redis.BlockingConnectionPool):
    """The cache's pool class: one pool per URL per process, which the rate limits share.

    Blocking: a thread that finds every connection in use waits for one (up to ``timeout``)
    instead of opening another, so the pool never grows past ``max_connections``.
    """

    @classmethod
    def from_url(cls, url, **options):
        with _pools_lock:
            if url not in _pools:
                _pools[url] = super().from_url(url, **options)
            return _pools[url]


def cache_client(settings):
    """Return a blocking client on the cache's pool (for code that is not the cache)."""
    cache = settings.CACHES["default"]
    options = {key: value for key, value in cache["OPTIONS"].items() if key != "pool_class"}
    return redis.Redis(connection_pool=SharedBlockingPool.from_url(cache["LOCATION"], **options))
