"""The search scenario: message.search over 100,000 stored messages on PostgreSQL.

Not part of ``bench.run``'s ladder; call ``run()`` (or ``python -m bench.search``). It starts
a PostgreSQL of its own (testservers/), migrates, stores ``messages`` messages of 12 words
each drawn from a vocabulary of 5,000 (one room the searcher belongs to, one they do not, so
the permission filter has work), then runs ``queries`` searches as chat.selectors would for a
socket, through the selector itself, and reports:

- p50, p95 and max latency of one search (ms), for one-word and two-word queries and with a
  second page (the cursor);
- the query plan of a one-word search (EXPLAIN ANALYZE), which shows the GIN index
  ``chat_message_search_idx`` (a Bitmap Index Scan) serving the match.

Returns the report as a dict; the command prints it as JSON.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
VOCABULARY = 5_000
WORDS_PER_MESSAGE = 12


def run(messages=100_000, queries=200, workdir=None):
    """Start PostgreSQL, seed it, measure the searches; return the report."""
    sys.path.insert(0, str(PROJECT))
    from testservers.live import base_env, manage
    from testservers.postgres import PostgresServer

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(workdir or tmp)
        with PostgresServer(workdir / "postgres") as server:
            env = base_env(workdir, DATABASE_URL=server.url.rsplit("/", 1)[0] + "/bench_search")
            _create_database(server.url, "bench_search")
            manage(env, "migrate", "--no-input")
            command = [sys.executable, "-m", "bench.search", "--measure"]
            command += ["--messages", str(messages), "--queries", str(queries)]
            output = subprocess.run(
                command, cwd=PROJECT, env=env, check=True, capture_output=True, text=True
            ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _create_database(url, name):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")


def measure(messages, queries):
    """In a process with Django set up on the PostgreSQL: seed, search, explain."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from chat import selectors, services

    users = get_user_model().objects
    searcher = users.create_user("searcher", password="bench")
    other = users.create_user("other", password="bench")
    mine = services.room_create(user=searcher, kind="group", name="Searched", members=[])
    theirs = services.room_create(user=other, kind="group", name="Hidden", members=[])
    started = time.perf_counter()
    _seed(connection, mine["room"]["id"], searcher.pk, messages // 2)
    _seed(connection, theirs["room"]["id"], other.pk, messages - messages // 2)
    seeded = time.perf_counter() - started
    return {
        "messages": messages,
        "queries": queries,
        "seed_seconds": round(seeded, 1),
        "latency_ms": _time_queries(selectors, searcher, queries),
        "plan": _plan(connection, searcher),
    }


def _time_queries(selectors, searcher, queries):
    """Time random one-word, two-word and second-page searches; summarise each kind."""
    rng = random.Random(7)
    timings = {"one_word": [], "two_words": [], "second_page": []}
    for _ in range(queries):
        one = f"w{rng.randrange(VOCABULARY)}"
        two = f"w{rng.randrange(VOCABULARY)} w{rng.randrange(VOCABULARY)}"
        timings["one_word"].append(_time(selectors.message_search, user=searcher, query=one))
        timings["two_words"].append(_time(selectors.message_search, user=searcher, query=two))
        first = selectors.message_search(user=searcher, query=one)
        if first["next_cursor"]:
            timings["second_page"].append(
                _time(
                    selectors.message_search,
                    user=searcher,
                    query=one,
                    cursor=first["next_cursor"],
                )
            )
    return {name: _summary(values) for name, values in timings.items()}


def _seed(connection, room_id, sender_id, count):
    """Store ``count`` messages of random vocabulary words in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO chat_message (room_id, seq, sender_id, content, created_at, rev) "
            "SELECT %(room)s, g, %(sender)s, "
            "(SELECT string_agg('w' || floor(random() * %(vocabulary)s)::int, ' ') "
            " FROM generate_series(1, %(words)s) WHERE g > 0), now(), 0 "
            "FROM generate_series(1, %(count)s) g",
            {
                "room": room_id,
                "sender": sender_id,
                "vocabulary": VOCABULARY,
                "words": WORDS_PER_MESSAGE,
                "count": count,
            },
        )
        cursor.execute(
            "UPDATE chat_room SET last_seq = %(count)s WHERE id = %(room)s",
            {"count": count, "room": room_id},
        )
        cursor.execute("ANALYZE chat_message")


def _time(function, **kwargs):
    started = time.perf_counter()
    function(**kwargs)
    return (time.perf_counter() - started) * 1000


def _summary(values):
    if not values:
        return None
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max": round(ordered[-1], 2),
        "count": len(ordered),
    }


def _plan(connection, searcher):
    """EXPLAIN ANALYZE of the SQL a one-word search runs (its first page)."""
    from chat.selectors import search

    queryset = search.ranked_queryset(search.visible_messages(searcher, None, None), "w42")
    sql, params = queryset[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        print(json.dumps(measure(options.messages, options.queries)))
    else:
        print(json.dumps(run(options.messages, options.queries), indent=2))


if __name__ == "__main__":
    main()
