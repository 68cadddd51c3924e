"""The chat end to end: a running Uvicorn, real WebSockets, real Redis and PostgreSQL."""

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token, post_ticket
from testservers.live import LiveServer, base_env, create_users, manage, run_django, services_env

pytestmark = [pytest.mark.timeout(90)]

PASSWORD = "pw-for-tests"


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_server):
    """One Uvicorn on SQLite and the real Redis layer, with alice, bob and carol."""
    workdir = tmp_path_factory.mktemp("live")
    env = base_env(workdir, REDIS_URL=redis_server.url, CHANNEL_LAYER_PREFIX=workdir.name[:20])
    live = LiveServer(workdir, env)
    create_users(env, "alice", "bob", "carol", password=PASSWORD)
    live.tokens = {}
    with live:
        yield live


async def token_for(server, username):
    """Return a token for the user, fetched once per server (hashing a password is slow)."""
    tokens = getattr(server, "tokens", None)
    if tokens is None:
        tokens = server.tokens = {}
    if username not in tokens:
        tokens[username] = await asyncio.to_thread(fetch_token, server.url, username, PASSWORD)
    return tokens[username]


async def connect(server, username, **kwargs):
    return await connect_websocket(server.ws_url, token=await token_for(server, username), **kwargs)


async def wait_for_log(server, text, timeout=10):
    """Return the server's log once it holds ``text`` (access log lines are written late)."""
    async with asyncio.timeout(timeout):
        while text not in (log := server.log()):
            await asyncio.sleep(0.05)
    return log


def post_json(url, body):
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_token_endpoint(server):
    status, body = post_json(
        f"{server.url}/api/token/", json.dumps({"username": "alice", "password": PASSWORD}).encode()
    )
    assert status == 200
    assert set(body) == {"token", "expires_in"}
    assert body["expires_in"] == 900
    status, body = post_json(
        f"{server.url}/api/token/", json.dumps({"username": "alice", "password": "no"}).encode()
    )
    assert (status, body["error"]) == (401, "invalid_credentials")
    status, body = post_json(f"{server.url}/api/token/", b"{broken")
    assert (status, body["error"]) == (400, "invalid_request")


async def test_sockets_without_valid_credentials_are_closed_with_4001(server):
    for token in (None, "forged.token:value"):
        client = await connect_websocket(server.ws_url, token=token, expect_hello=False)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.receive(timeout=5)
        assert closed.value.rcvd.code == 4001


async def test_origin_must_be_an_allowed_host(server):
    token = await token_for(server, "alice")
    with pytest.raises(websockets.InvalidStatus) as refused:
        await connect_websocket(server.ws_url, token=token, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    client = await connect_websocket(
        server.ws_url, token=token, origin=f"http://127.0.0.1:{server.port}"
    )
    assert client.hello["user"]["username"] == "alice"
    await client.close()


async def test_session_cookie_authenticates_the_page(server):
    session_key = run_django(
        server.env,
        """
        from django.contrib.auth import (
            BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        )
        from django.contrib.sessions.backends.db import SessionStore
        user = get_user_model().objects.get(username="bob")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        print(session.session_key)
        """,
    ).strip()
    client = await connect_websocket(
        server.ws_url,
        origin=f"http://127.0.0.1:{server.port}",
        additional_headers={"Cookie": f"sessionid={session_key}"},
    )
    assert client.hello["user"]["username"] == "bob"
    await client.close()


async def test_multi_device_and_session_cap(server):
    devices = [await connect(server, "alice") for _ in range(5)]
    bob = await connect(server, "bob")
    room = (await devices[0].ok("room.create", {"kind": "direct", "members": ["bob"]}))["room"]
    await bob.ok("message.send", {"room_id": room["id"], "content": "to every device"})
    for device in devices:
        assert (await device.expect("message.new"))["message"]["content"] == "to every device"
    sixth = await connect(server, "alice")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await devices[0].until(lambda e: False, timeout=5)
    assert closed.value.rcvd.code == 4008
    await sixth.ok("session.heartbeat")
    for client in [*devices[1:], sixth, bob]:
        await client.close()


async def test_tokens_never_reach_the_logs(server):
    """A token travels in a header, which access logs do not keep; a browser's ticket is in
    the URL, which the server's log keeps redacted, and that URL opens nothing once used."""
    token = await token_for(server, "carol")
    client = await connect_websocket(server.ws_url, token=token)
    await client.ok("session.heartbeat")
    await client.close()
    ticket = (await asyncio.to_thread(post_ticket, server.url, token))["ticket"]
    with_ticket = await connect_websocket(f"{server.ws_url}?ticket={ticket}")
    assert with_ticket.hello["user"]["username"] == "carol"
    await with_ticket.close()
    logged = await wait_for_log(server, "?ticket=[redacted]")
    assert token not in logged
    assert ticket not in logged
    # Whatever socket URL the log holds, replayed, is refused; so is the URL the client used,
    # which the logs of routers and proxies on the way keep.
    paths = re.findall(r'"WebSocket (/ws/chat/\S*)"', logged)
    for path in [*paths, f"/ws/chat/?ticket={ticket}"]:
        replay = await connect_websocket(f"ws://127.0.0.1:{server.port}{path}", expect_hello=False)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await replay.receive(timeout=10)
        assert closed.value.rcvd.code == 4001


# Long enough that a reconnect on a loaded machine lands within it, many times what one takes.
PRESENCE_GRACE = 5


@pytest.fixture
def two_processes(tmp_path, redis_server, postgres_server):
    """Two Uvicorn processes on one PostgreSQL database and one Redis."""
    database_url = postgres_server.create_database(f"two_processes_{uuid.uuid4().hex[:8]}")
    env = services_env(tmp_path, redis_server.url, database_url, CHAT_PRESENCE_GRACE=PRESENCE_GRACE)
    first = LiveServer(tmp_path / "one", env)
    create_users(env, "alice", "bob", "carol", password=PASSWORD)
    second = LiveServer(tmp_path / "two", env, migrate=False)
    with first, second:
        yield first, second


async def test_messages_and_removals_cross_processes(two_processes):
    one, two = two_processes
    alice = await connect(one, "alice")
    bob = await connect(two, "bob")
    carol = await connect(two, "carol")
    room = (
        await alice.ok(
            "room.create", {"kind": "group", "name": "Both", "members": ["bob", "carol"]}
        )
    )["room"]
    for client in (bob, carol):
        await client.expect("room.created")
    await alice.ok("message.send", {"room_id": room["id"], "content": "across"})
    for client in (bob, carol):
        assert (await client.expect("message.new"))["message"]["content"] == "across"
    await carol.ok("message.send", {"room_id": room["id"], "content": "back"})
    back = await alice.expect("message.new", where=lambda d: d["message"]["content"] == "back")
    assert back["message"]["sender"]["username"] == "carol"
    await bob.expect("message.new", where=lambda d: d["message"]["content"] == "back")
    # Removing bob on process one silences his socket on process two at once.
    await alice.ok("room.remove_members", {"room_id": room["id"], "members": ["bob"]})
    assert (await bob.expect("room.removed"))["room_id"] == room["id"]
    await alice.ok("message.send", {"room_id": room["id"], "content": "not for bob"})
    late = await carol.expect(
        "message.new",
        where=lambda d: d["message"]["sender"]["username"] == "alice" and d["message"]["seq"] == 3,
    )
    assert late["message"]["content"] == "not for bob"
    await bob.silent("message.new", timeout=0.5)
    for client in (alice, bob, carol):
        await client.close()


async def test_session_cap_closes_the_oldest_socket_on_another_process(two_processes):
    one, two = two_processes
    devices = [await connect(one, "alice") for _ in range(5)]
    # The sixth session, opened on the other process, evicts the oldest: the eviction is a
    # layer send to the process that holds that socket (its session row names it).
    sixth = await connect(two, "alice")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await devices[0].until(lambda e: False, timeout=5)
    assert closed.value.rcvd.code == 4008
    for client in [*devices[1:], sixth]:
        await client.ok("session.heartbeat")
        await client.close()


async def test_reconnect_on_another_process_announces_no_presence_change(two_processes):
    one, two = two_processes
    alice = await connect(one, "alice")
    await alice.ok("room.create", {"kind": "group", "name": "Here", "members": ["bob"]})
    await alice.expect("room.created")
    bob = await connect(one, "bob")
    assert (await alice.expect("presence.changed"))["online"] is True
    # bob's socket on process one closes and he is back on process two within the grace
    # period: the away mark is in the shared cache, so nobody hears of it, then or when the
    # period ends.
    await bob.close()
    bob_again = await connect(two, "bob")
    await alice.silent("presence.changed", timeout=PRESENCE_GRACE * 1.5)
    await bob_again.close()
    offline = await alice.expect("presence.changed", timeout=PRESENCE_GRACE * 4)
    assert (offline["user"]["username"], offline["online"]) == ("bob", False)
    await alice.close()


async def test_concurrent_senders_on_two_processes_get_gap_free_seqs(two_processes):
    one, two = two_processes
    alice = await connect(one, "alice")
    bob = await connect(two, "bob")
    room = (await alice.ok("room.create", {"kind": "group", "name": "Race", "members": ["bob"]}))[
        "room"
    ]
    await bob.expect("room.created")

    async def burst(client, name):
        return [
            (await client.ok("message.send", {"room_id": room["id"], "content": f"{name}{i}"}))[
                "message"
            ]["seq"]
            for i in range(15)
        ]

    seqs_a, seqs_b = await asyncio.gather(burst(alice, "a"), burst(bob, "b"))
    assert sorted(seqs_a + seqs_b) == list(range(1, 31))
    history = await alice.ok("room.messages", {"room_id": room["id"], "after_seq": 0})
    assert [m["seq"] for m in history["messages"]] == list(range(1, 31))
    for client in (alice, bob):
        await client.close()


def test_cleanup_command_removes_only_stale_sessions_and_is_repeatable(tmp_path, live_env):
    manage(live_env, "migrate", "--no-input")
    create_users(live_env, "alice", password=PASSWORD)
    run_django(
        live_env,
        """
        from datetime import timedelta
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from chat.models import ChatSession
        user = get_user_model().objects.get(username="alice")
        now = timezone.now()
        an_hour_ago = now - timedelta(hours=1)
        ChatSession.objects.create(user=user, channel_name="stale", last_seen=an_hour_ago)
        ChatSession.objects.create(user=user, channel_name="live", last_seen=now)
        """,
    )
    first = manage(live_env, "cleanup_chat_sessions", "--older-than", "300")
    assert "removed session stale of user" in first.stdout
    assert "Removed 1 stale chat session(s)." in first.stdout
    again = manage(live_env, "cleanup_chat_sessions", "--older-than", "300")
    assert "Removed 0 stale chat session(s)." in again.stdout
    remaining = run_django(
        live_env,
        "from chat.models import ChatSession\n"
        "print(list(ChatSession.objects.values_list('channel_name', flat=True)))",
    )
    assert remaining.strip() == "['live']"
    bad = manage(live_env, "cleanup_chat_sessions", "--older-than", "0", check=False)
    assert bad.returncode != 0
    assert "--older-than must be at least 1 second" in bad.stderr


async def test_local_defaults_need_no_services(tmp_path):
    """No DATABASE_URL, no REDIS_URL: SQLite and the in-process layer, still a full chat."""
    env = base_env(tmp_path)
    assert "REDIS_URL" not in env
    live = LiveServer(tmp_path, env)
    create_users(env, "alice", "bob", password=PASSWORD)
    with live:
        alice, bob = await connect(live, "alice"), await connect(live, "bob")
        room = (await alice.ok("room.create", {"kind": "direct", "members": ["bob"]}))["room"]
        await bob.expect("room.created")
        await alice.ok("message.send", {"room_id": room["id"], "content": "local"})
        assert (await bob.expect("message.new"))["message"]["content"] == "local"
        await alice.close()
        await bob.close()


def test_cache_uses_redis_with_the_production_options(tmp_path, redis_server):
    env = base_env(tmp_path, REDIS_URL=redis_server.url)
    out = run_django(
        env,
        """
        from django.conf import settings
        from django.core.cache import cache
        cache.set("probe", "through redis", 30)
        print(settings.CACHES["default"]["BACKEND"], cache.get("probe"))
        """,
    )
    assert out.strip() == "django.core.cache.backends.redis.RedisCache through redis"
    import redis

    # Keys start with the prefix that separates apps sharing a Redis (CHANNEL_LAYER_PREFIX).
    assert redis.Redis.from_url(redis_server.url).exists("chat:1:probe") == 1
