"""Counting a server's clients from outside while a test loads it: Redis's and PostgreSQL's.

A Sampler counts on a thread of its own every SAMPLE_EVERY seconds, through a connection of
its own that the count leaves out, and keeps every count in ``samples``.
"""

import threading
from collections import Counter

import psycopg
import redis

SAMPLE_EVERY = 0.05


class Sampler:
    """Count with ``count(connection)`` on a connection from ``connect()``, until stopped."""

    def __init__(self, connect, count):
        self.connect = connect
        self.count = count
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        connection = self.connect()
        try:
            while not self._stop.is_set():
                self.samples.append(self.count(connection))
                self._stop.wait(SAMPLE_EVERY)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(10)


def postgres_sampler(url, *, database=None):
    """Count PostgreSQL's client backends (pg_stat_activity), of one ``database`` if given."""
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    params = []
    if database is not None:
        query += " AND datname = %s"
        params.append(database)
    return Sampler(
        lambda: psycopg.connect(url, autocommit=True),
        lambda conn: conn.execute(query, params).fetchone()[0],
    )


def redis_sampler(url, *, prefix=None):
    """Count Redis's clients (CLIENT LIST); with ``prefix`` only those named for it.

    With a prefix, ``roles`` keeps the most clients seen at once of each role (the name after
    the prefix, CLIENT SETNAME in chat/redis_clients.py).
    """
    roles = Counter()

    def count(client):
        clients = client.client_list()
        if prefix is None:
            return len(clients) - 1
        names = [c["name"] for c in clients if c["name"].startswith(prefix)]
        roles.update(Counter(name.removeprefix(f"{prefix}.") for name in names) - roles)
        return len(names)

    # A TLS URL's server has a throwaway certificate (testservers/tls_redis.py).
    options = {"ssl_cert_reqs": None} if url.startswith("rediss://") else {}
    sampler = Sampler(lambda: redis.Redis.from_url(url, **options), count)
    sampler.roles = roles
    return sampler
