"""One process never holds more PostgreSQL connections than ASGI_THREADS, nor more than
three Redis clients, under load.

The budgets in the README (dynos x WEB_CONCURRENCY x ASGI_THREADS database connections, and
dynos x WEB_CONCURRENCY x 3 Redis clients) are only true if a process's connections are
bounded however many sockets it serves. This test opens 200 real WebSockets to one Uvicorn
process with ASGI_THREADS=3, has every socket send at once (rate limits, presence and the
cache all on Redis), and counts the database's connections and the process's Redis clients
from outside every 50 ms.
"""

import asyncio
import json
import time
import uuid
from collections import Counter

import pytest

from tests.clients import connect_websocket
from tests.samplers import postgres_sampler, redis_sampler
from testservers.live import LiveServer, base_env, run_django

ASGI_THREADS = 3
USERS = 20
SOCKETS_PER_USER = 10  # 200 sockets
ROOMS = 5  # USERS / ROOMS users per room, each with all their sockets
MESSAGES_PER_SOCKET = 2
# The channel layer's subscriber and publisher, and the cache (chat/redis_clients.py).
REDIS_CLIENTS_PER_PROCESS = 3


def setup_users_and_rooms(env):
    """Create the users and rooms directly and mint their tokens; return {username: token}.

    Passwords are not checked anywhere here, so one hash serves every user, and tokens are
    issued without /api/token/ (which the Procfile and live-chat tests cover).
    """
    output = run_django(
        env,
        f"""
        import json
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from chat import services
        from chat.auth import token_issue
        User = get_user_model()
        password = make_password(None)
        users = User.objects.bulk_create(
            [User(username=f"u{{i:02d}}", password=password) for i in range({USERS})]
        )
        per_room = {USERS // ROOMS}
        rooms = []
        for r in range({ROOMS}):
            members = users[r * per_room:(r + 1) * per_room]
            room = services.room_create(
                user=members[0], kind="group", name=f"load {{r}}",
                members=[m.username for m in members[1:]],
            )
            rooms.append(room["room"]["id"])
        print(json.dumps({{"tokens": {{u.username: token_issue(u)[0] for u in users}},
                          "rooms": rooms}}))
        """,
    )
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.timeout(90)
async def test_connections_stay_within_their_budgets_under_load(
    tmp_path, redis_server, postgres_server, capsys
):
    database = f"budget_{uuid.uuid4().hex[:8]}"
    env = base_env(
        tmp_path,
        DATABASE_URL=postgres_server.create_database(database),
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=database,
        ASGI_THREADS=ASGI_THREADS,
        WEB_CONCURRENCY=1,
        CHAT_MAX_SESSIONS_PER_USER=SOCKETS_PER_USER,
        CHAT_RATE_LIMIT_PER_SECOND=1000,
        CHAT_RATE_LIMIT_BURST=1000,
    )
    server = LiveServer(tmp_path, env)
    setup = setup_users_and_rooms(env)
    tokens, room_ids = setup["tokens"], setup["rooms"]
    per_room = USERS // ROOMS
    room_of = {f"u{i:02d}": room_ids[i // per_room] for i in range(USERS)}

    redis_clients = redis_sampler(redis_server.url, prefix=database)
    with server, postgres_sampler(postgres_server.url, database=database) as sampler, redis_clients:
        started = time.monotonic()
        owners = [name for name in tokens for _ in range(SOCKETS_PER_USER)]
        clients = await asyncio.gather(
            *(connect_websocket(server.ws_url, token=tokens[name]) for name in owners)
        )
        connected = time.monotonic()

        per_room_total = per_room * SOCKETS_PER_USER * MESSAGES_PER_SOCKET

        async def send_and_receive(client, name, index):
            """Send every message at once, then read until all replies and messages are in."""
            room_id = room_of[name]
            for n in range(MESSAGES_PER_SOCKET):
                await client.send(
                    {
                        "event_type": "message.send",
                        "data": {"room_id": room_id, "content": f"{name}/{index}/{n}"},
                        "request_id": f"{index}-{n}",
                    }
                )
            replies, seqs = [], []
            while len(replies) < MESSAGES_PER_SOCKET or len(seqs) < per_room_total:
                envelope = await client.receive(timeout=30)
                if "request_id" in envelope:
                    assert envelope["event_type"] == "message.send", envelope
                    replies.append(envelope["data"]["message"])
                elif envelope["event_type"] == "message.new":
                    assert envelope["data"]["message"]["room_id"] == room_id
                    seqs.append(envelope["data"]["message"]["seq"])
                else:  # presence.changed as the other sockets open
                    assert envelope["event_type"] == "presence.changed", envelope
            return replies, seqs

        results = await asyncio.gather(
            *(
                send_and_receive(client, name, index)
                for index, (client, name) in enumerate(zip(clients, owners, strict=True))
            )
        )
        delivered = time.monotonic()
        histories = {}
        for room_id in room_ids:
            reader = clients[owners.index(next(n for n, r in room_of.items() if r == room_id))]
            messages, after = [], 0
            for _ in range(per_room_total // 100 + 2):
                page = await reader.ok("room.messages", {"room_id": room_id, "after_seq": after})
                messages += page["messages"]
                after = messages[-1]["seq"] if messages else 0
                if not page["has_more"]:
                    break
            histories[room_id] = messages
        await asyncio.gather(*(client.close() for client in clients))

    samples = sampler.samples
    with capsys.disabled():
        print(
            f"\n[database budget] ASGI_THREADS={ASGI_THREADS}, {len(clients)} sockets, "
            f"{len(samples)} samples: max {max(samples)} connections "
            f"(histogram {dict(sorted(Counter(samples).items()))}); "
            f"connect {connected - started:.1f}s, send and deliver {delivered - connected:.1f}s"
        )
        print(
            f"[redis budget] {len(redis_clients.samples)} samples: max {max(redis_clients.samples)}"
            f" clients (most at once by role {dict(redis_clients.roles)})"
        )
    assert len(samples) >= 20, "the sampler barely ran"
    assert max(redis_clients.samples) <= REDIS_CLIENTS_PER_PROCESS
    assert redis_clients.roles.keys() == {"layer", "cache"}, redis_clients.roles
    # Django's pool (max_size=ASGI_THREADS) is the only source of connections in the process.
    assert max(samples) <= ASGI_THREADS
    assert max(samples) >= 1, "the server never used the database?"

    # Every send succeeded; each room's seqs are 1..N with no gap and no duplicate.
    for room_id in room_ids:
        seqs = sorted(
            message["seq"]
            for replies, _ in results
            for message in replies
            if message["room_id"] == room_id
        )
        assert seqs == list(range(1, per_room_total + 1))
        stored = histories[room_id]
        assert [m["seq"] for m in stored] == list(range(1, per_room_total + 1))
        assert len({m["content"] for m in stored}) == per_room_total
    # Every socket got every message of its room, exactly once.
    for _, seqs in results:
        assert sorted(seqs) == list(range(1, per_room_total + 1))
