"""Per-user limits hold across sockets, reconnects and processes (PostgreSQL and Redis)."""

import asyncio
import uuid

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token, post_upload
from testservers.live import LiveServer, base_env, create_users, run_django

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
BURST = 8
UPLOAD_BURST = 3


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory, redis_server, postgres_server):
    workdir = tmp_path_factory.mktemp("limits")
    env = base_env(
        workdir,
        DATABASE_URL=postgres_server.create_database(f"limits_{uuid.uuid4().hex[:8]}"),
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"l{uuid.uuid4().hex[:8]}",
        # A slow refill: what the test counts is the burst, whatever the machine's speed.
        CHAT_RATE_LIMIT_PER_SECOND=0.001,
        CHAT_RATE_LIMIT_BURST=BURST,
        CHAT_RATE_LIMIT_UPLOADS_PER_SECOND=0.001,
        CHAT_RATE_LIMIT_UPLOADS_BURST=UPLOAD_BURST,
    )
    first = LiveServer(workdir / "one", env)
    second = LiveServer(workdir / "two", env, migrate=False)
    create_users(env, "alice", "bob", "carol", "dave", "erin", password=PASSWORD)
    with first, second:
        yield first, second


async def answered(client, count):
    """Send ``count`` cheap events; return how many were answered and how many refused."""
    ok = refused = 0
    for _ in range(count):
        reply = await client.request("room.list", timeout=10)
        if reply["event_type"] == "error":
            assert reply["data"]["code"] == 4029
            refused += 1
        else:
            ok += 1
    return ok, refused


async def test_one_user_shares_one_limit_over_sockets_processes_and_reconnects(two_processes):
    one, two = two_processes
    token = await asyncio.to_thread(fetch_token, one.url, "alice", PASSWORD)
    # Each connect's hello costs nothing; every frame after it costs a token.
    first = await connect_websocket(one.ws_url, token=token)
    ok_first, _ = await answered(first, BURST // 2)
    await first.close()
    # A reconnect on the other process, and a second socket there, draw from the same bucket.
    again = await connect_websocket(two.ws_url, token=token)
    other = await connect_websocket(two.ws_url, token=token)
    ok_again, refused_again = await answered(again, BURST)
    ok_other, refused_other = await answered(other, 3)
    assert ok_first + ok_again + ok_other == BURST
    assert refused_again + refused_other == BURST // 2 + 3
    # Another user is unaffected.
    bob = await connect_websocket(
        two.ws_url, token=await asyncio.to_thread(fetch_token, two.url, "bob", PASSWORD)
    )
    assert await answered(bob, 2) == (2, 0)
    for client in (again, other, bob):
        await client.close()


async def test_concurrent_connects_of_one_user_keep_the_session_cap(two_processes):
    one, two = two_processes
    token = await asyncio.to_thread(fetch_token, one.url, "carol", PASSWORD)

    async def open_one(index):
        server = (one, two)[index % 2]
        return await connect_websocket(server.ws_url, token=token)

    clients = await asyncio.gather(*(open_one(i) for i in range(12)))

    async def still_open(client):
        try:
            await client.request("session.heartbeat", timeout=10)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == 4008
            return False
        return True

    # The heartbeats are rate-limited like any event: they stay within carol's burst.
    alive = [await still_open(client) for client in clients]
    assert alive.count(True) == 5
    rows = run_django(
        one.env,
        "from chat.models import ChatSession\n"
        "print(ChatSession.objects.filter(user__username='carol').count())",
    )
    assert rows.strip() == "5"
    for client in clients:
        await client.close()


def test_one_users_uploads_share_one_limit_over_processes(two_processes):
    """Uploads are limited per user over every process, answered 429 with Retry-After."""
    one, two = two_processes
    room = run_django(
        one.env,
        """
        from django.contrib.auth import get_user_model
        from chat import services
        dave = get_user_model().objects.get(username="dave")
        room = services.room_create(user=dave, kind="group", name="F", members=["erin"])
        print(room["room"]["id"])
        """,
    ).strip()
    dave, erin = (fetch_token(one.url, name, PASSWORD) for name in ("dave", "erin"))
    statuses = [
        post_upload(server.url, dave, room, "n.txt", b"note\n")[0]
        for server in (one, two, one, two)
    ]
    assert statuses == [201] * UPLOAD_BURST + [429]
    status, headers, answer = post_upload(one.url, dave, room, "n.txt", b"note\n")
    assert (status, answer["error"], answer["code"]) == (429, "rate_limited", 4029)
    assert headers["Retry-After"] == "1000"  # one token at 0.001 a second
    # Another user is unaffected.
    assert post_upload(two.url, erin, room, "e.txt", b"mine\n")[0] == 201
    count = "from chat.models import Attachment; print(Attachment.objects.count())"
    assert run_django(one.env, count).strip() == str(UPLOAD_BURST + 1)
