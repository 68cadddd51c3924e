"""Sends that arrive together, stored together (chat.services.message_batches), end to end.

Two Uvicorn processes on one PostgreSQL and one Redis; ten sockets, five on each, write all
their message.send frames at once into three shared rooms. Each process stores the sends it
holds at the same moment as one batch, on PostgreSQL in one statement (chat.sql.send_messages),
while the other process does the same to the same rooms. What must hold whatever the
batching: every send answered, each room's seqs gap-free from 1, each sender's messages in
the order they were sent, every answer's seq the stored one.
"""

import asyncio
import json
import uuid

import psycopg
import pytest

from tests.clients import connect_websocket, fetch_token
from testservers.live import LiveServer, create_users, run_django, services_env

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
USERS = [f"sender{i}" for i in range(10)]
SENDS = 30  # per socket, spread over the rooms
BATCHES_AT_ONCE = 2  # per process: chat.batches.CONCURRENCY


@pytest.fixture
def two_processes(tmp_path, redis_server, postgres_server):
    database_url = postgres_server.create_database(f"batched_{uuid.uuid4().hex[:8]}")
    env = services_env(
        tmp_path, redis_server.url, database_url,
        # Every socket sends its frames at once: faster than the per-socket limit allows.
        CHAT_RATE_LIMIT_PER_SECOND=10_000, CHAT_RATE_LIMIT_BURST=10_000,
    )  # fmt: skip
    first = LiveServer(tmp_path / "one", env)
    create_users(env, *USERS, password=PASSWORD)
    second = LiveServer(tmp_path / "two", env, migrate=False)
    with first, second:
        yield first, second, env


async def connect(server, username):
    token = await asyncio.to_thread(fetch_token, server.url, username, PASSWORD)
    return await connect_websocket(server.ws_url, token=token)


async def send_all(client, username, rooms):
    """Write every frame first, then read the answers: the sends overlap other sockets'."""
    frames = {}
    for i in range(SENDS):
        room_id = rooms[i % len(rooms)]
        frames[f"s{i}"] = (room_id, f"{username}:{i}")
        data = {"room_id": room_id, "content": f"{username}:{i}"}
        await client.send({"event_type": "message.send", "data": data, "request_id": f"s{i}"})
    answers = {}
    while len(answers) < SENDS:
        envelope = await client.until(lambda e: e.get("request_id") in frames, timeout=30)
        assert envelope["event_type"] == "message.send", envelope
        answers[envelope["request_id"]] = envelope["data"]["message"]
    return [(frames[key], answer) for key, answer in answers.items()]


async def until_waiting_on_rows(connection, count, timeout=30):
    """Wait until ``count`` statements wait for a lock (both processes' batches); polled on
    an autocommit ``connection``, as pg_stat_activity holds still within a transaction."""
    async with asyncio.timeout(timeout):
        while True:
            waiting = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting >= count:
                return
            await asyncio.sleep(0.05)


async def history(client, room_id):
    messages, after = [], 0
    while True:
        page = await client.ok("room.messages", {"room_id": room_id, "after_seq": after})
        if not page["messages"]:
            return messages
        messages += page["messages"]
        after = page["messages"][-1]["seq"]


async def test_batched_senders_on_two_processes_get_gap_free_ordered_seqs(two_processes):
    one, two, env = two_processes
    clients = [await connect(one if i % 2 else two, name) for i, name in enumerate(USERS)]
    owner = clients[0]
    rooms = []
    for name in ("A", "B", "C"):
        data = {"kind": "group", "name": name, "members": USERS[1:]}
        rooms.append((await owner.ok("room.create", data))["room"]["id"])
    for client in clients[1:]:
        for _ in rooms:
            await client.expect("room.created", timeout=10)

    # The rooms' rows held while the frames arrive: each process's first sends wait on them,
    # and the sends behind those pile up, to be stored together once the rows are let go.
    url = env["DATABASE_URL"]
    with psycopg.connect(url) as held, psycopg.connect(url, autocommit=True) as watch:
        held.execute("SELECT id FROM chat_room WHERE id = ANY(%s) FOR UPDATE", [rooms])
        sending = asyncio.gather(
            *(send_all(c, n, rooms) for c, n in zip(clients, USERS, strict=True))
        )
        await until_waiting_on_rows(watch, BATCHES_AT_ONCE * 2)
        held.rollback()
    sent = await sending

    answered = {}
    for (room_id, content), message in (pair for pairs in sent for pair in pairs):
        assert (message["room_id"], message["content"]) == (room_id, content)
        answered[content] = message["seq"]
    for room_id in rooms:
        stored = await history(owner, room_id)
        assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
        for username in USERS:
            mine = [int(m["content"].split(":")[1]) for m in stored
                    if m["sender"]["username"] == username]  # fmt: skip
            assert mine == sorted(mine), (room_id, username)
        assert all(answered[m["content"]] == m["seq"] for m in stored)
    assert len(answered) == len(USERS) * SENDS

    # Some sends really were stored together: rows one statement inserted share their
    # transaction (xmin) and command (cmin).
    counted = run_django(
        env,
        """
        import json
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT (xmin::text, cmin::text)) "
                           "FROM chat_message")
            print(json.dumps(cursor.fetchone()))
        """,
    )
    rows, statements = json.loads(counted.splitlines()[-1])
    assert rows == len(USERS) * SENDS and statements < rows, (rows, statements)
    # Together: a client that left frames unread waits out its close handshake behind them.
    await asyncio.gather(*(client.close() for client in clients))
