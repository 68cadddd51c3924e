"""Real servers on loopback for the tests and the benchmark.

- ``processes``: free ports, binaries (``MissingService`` names the Debian package to
  install), and the start/stop/restart every server below shares.
- ``redis_server.RedisServer``: a plaintext Redis with nothing persisted.
- ``tls_redis.TLSRedisServer``: a TLS-only Redis with a password, like Heroku Key-Value Store.
- ``postgres.PostgresServer``: a throwaway PostgreSQL cluster (``durable=True`` for the
  benchmark; the tests run it with fsync off).
- ``live``: the project (or another ASGI app) under Uvicorn, configured by its environment.
"""
