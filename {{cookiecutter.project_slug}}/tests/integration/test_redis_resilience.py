"""Sockets survive what production Redis does to them: idle timeouts and restarts.

A real Uvicorn with the Redis pub/sub channel layer, real WebSockets, a real redis-server the
test stops and starts. The clients never reconnect by hand: the server must recover on its own.
"""

import asyncio
import time

import pytest

from tests.clients import connect_websocket, fetch_token
from tests.helpers import start_service
from testservers.live import LiveServer, base_env, run_django
from testservers.redis_server import RedisServer

PASSWORD = "pw-for-tests"


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    """A Redis that closes connections idle for 2 s (its `timeout`), as some hosts do."""
    server = start_service(lambda: RedisServer(tmp_path_factory.mktemp("redis"), timeout=2))
    with server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis):
    """One Uvicorn on SQLite with the Redis pub/sub layer, and users alice and bob."""
    workdir = tmp_path_factory.mktemp("web")
    env = base_env(workdir, REDIS_URL=redis.url, CHANNEL_LAYER_PREFIX="resilience")
    live = LiveServer(workdir, env)
    run_django(
        env,
        f"""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        User = get_user_model()
        password = make_password({PASSWORD!r})
        User.objects.bulk_create([User(username=n, password=password) for n in ("alice", "bob")])
        """,
    )
    with live:
        yield live


async def connect(server, username):
    token = await asyncio.to_thread(fetch_token, server.url, username, PASSWORD)
    return await connect_websocket(server.ws_url, token=token)


async def chat_pair(server):
    """Connect alice and bob and give them a group; return (alice, bob, room_id)."""
    alice, bob = await connect(server, "alice"), await connect(server, "bob")
    room = await alice.ok("room.create", {"kind": "group", "name": "Ops", "members": ["bob"]})
    await bob.expect("room.created")
    return alice, bob, room["room"]["id"]


async def send_and_receive(sender, receiver, room_id, content, timeout=3):
    sent = await sender.ok("message.send", {"room_id": room_id, "content": content})
    got = await receiver.expect(
        "message.new", timeout, where=lambda d: d["message"]["content"] == content
    )
    assert got["message"]["seq"] == sent["message"]["seq"]
    return sent["message"]["seq"]


@pytest.mark.timeout(60)
async def test_idle_sockets_outlive_redis_idle_timeout(server):
    """Redis closes idle connections after 2 s; sockets idle for 12 s still chat both ways.

    12 s is past Redis's timeout (the layer's publishing connection is closed under it) and
    past the layer's 10 s socket_timeout.
    """
    alice, bob, room_id = await chat_pair(server)
    sockets = (alice.connection, bob.connection)
    assert await send_and_receive(alice, bob, room_id, "before the pause") == 1

    await asyncio.sleep(12)

    assert await send_and_receive(alice, bob, room_id, "after the pause") == 2
    assert await send_and_receive(bob, alice, room_id, "and back") == 3
    assert (alice.connection, bob.connection) == sockets
    for client in (alice, bob):
        assert client.connection.close_code is None
        await client.silent("error", timeout=0.1)
        await client.close()


@pytest.mark.timeout(90)
async def test_sockets_recover_from_a_redis_restart(server, redis, capsys):
    """Redis goes away and comes back empty; the same sockets chat again and catch up."""
    alice, bob, room_id = await chat_pair(server)
    sockets = (alice.connection, bob.connection)
    assert await send_and_receive(alice, bob, room_id, "before") == 1

    # While Redis is down a send is committed, then its publish fails: the sender still gets
    # the stored message with its seq (a client told otherwise would send it again), and bob
    # catches up by seq below. client_msg_id is optional: the first two go without one.
    redis.stop()
    answered_in = []
    for i in range(3):
        data = {"room_id": room_id, "content": f"during {i}"}
        if i == 2:
            data["client_msg_id"] = "down-2"
        started = time.monotonic()
        sent = await alice.ok("message.send", data, timeout=15)
        answered_in.append(time.monotonic() - started)
        assert (sent["message"]["content"], sent["message"]["seq"]) == (f"during {i}", 2 + i)
        if i == 0:
            # Every other write answers the same way (they all publish through chat.broadcast).
            reacted = {"message_id": sent["message"]["id"], "emoji": "👍"}
            await alice.ok("message.react", reacted, timeout=15)
            await alice.ok("message.read", {"room_id": room_id, "seq": 2}, timeout=15)
    assert "Could not publish chat.event to room." in server.log()
    with capsys.disabled():
        waits = ", ".join(f"{seconds:.2f}" for seconds in answered_in)
        print(f"\n[redis down] sends answered in {waits} s (rate limit and layer retries)")

    redis.start()
    restarted = time.monotonic()
    # Poll-send until a message crosses the layer again: no client reconnects.
    recovered_after = None
    for attempt in range(40):
        content = f"after {attempt}"
        await alice.ok("message.send", {"room_id": room_id, "content": content}, timeout=10)
        try:
            await bob.expect(
                "message.new", 0.25, where=lambda d, c=content: d["message"]["content"] == c
            )
        except TimeoutError:
            if time.monotonic() - restarted > 10:
                break
            continue
        recovered_after = time.monotonic() - restarted
        break
    assert recovered_after is not None, "no message reached bob within 10 s of the restart"
    with capsys.disabled():
        print(f"\n[redis restart] live delivery back {recovered_after:.2f}s after the restart")
    # Both directions work again, on the very same sockets.
    await send_and_receive(bob, alice, room_id, "bob is back")
    assert (alice.connection, bob.connection) == sockets
    assert alice.connection.close_code is None and bob.connection.close_code is None

    # Catch up: everything after seq 1, exactly once each, in order, outage included.
    page = await bob.ok("room.messages", {"room_id": room_id, "after_seq": 1})
    seqs = [m["seq"] for m in page["messages"]]
    assert not page["has_more"]
    assert seqs == list(range(2, page["last_seq"] + 1))
    contents = [m["content"] for m in page["messages"]]
    assert contents[:3] == ["during 0", "during 1", "during 2"]
    assert contents[-1] == "bob is back"
    sent_after = contents[3:-1]
    assert sent_after == [f"after {i}" for i in range(len(sent_after))]
    # Each outage message is stored once, and resending one by its client_msg_id returns the
    # stored one, no copy.
    assert len(contents) == len(set(contents))
    again = await alice.ok(
        "message.send", {"room_id": room_id, "content": "during 2", "client_msg_id": "down-2"}
    )
    assert again["message"]["seq"] == 4
    for client in (alice, bob):
        await client.close()
