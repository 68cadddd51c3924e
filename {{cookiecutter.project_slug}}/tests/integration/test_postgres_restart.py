"""PostgreSQL restarting under a live chat: the server recovers, clients lose nothing."""

import asyncio

import pytest

from tests.clients import connect_websocket, fetch_token
from testservers.live import LiveServer, create_users, services_env

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"


async def test_database_restart_mid_chat(tmp_path, redis_server, postgres_server):
    database_url = postgres_server.create_database("restart_mid_chat")
    env = services_env(tmp_path, redis_server.url, database_url, DATABASE_POOL_TIMEOUT=2)
    live = LiveServer(tmp_path, env)
    create_users(env, "alice", "bob", password=PASSWORD)
    with live:
        tokens = [
            await asyncio.to_thread(fetch_token, live.url, n, PASSWORD) for n in ("alice", "bob")
        ]
        alice = await connect_websocket(live.ws_url, token=tokens[0])
        bob = await connect_websocket(live.ws_url, token=tokens[1])
        room = (await alice.ok("room.create", {"kind": "direct", "members": ["bob"]}))["room"]
        await bob.expect("room.created")
        for i in range(3):
            await alice.ok("message.send", {"room_id": room["id"], "content": f"before {i}"})

        postgres_server.stop()
        during = await alice.request(
            "message.send",
            {"room_id": room["id"], "content": "during", "client_msg_id": "during-1"},
            timeout=15,
        )
        assert during["event_type"] == "error"
        assert during["data"]["code"] == 4500
        postgres_server.start()

        # The same sockets work again once the database is back; the client retries its
        # unacknowledged send with the same client_msg_id, as the protocol says.
        for _attempt in range(20):
            retry = await alice.request(
                "message.send",
                {"room_id": room["id"], "content": "during", "client_msg_id": "during-1"},
                timeout=15,
            )
            if retry["event_type"] == "message.send":
                break
            await asyncio.sleep(0.5)
        assert retry["event_type"] == "message.send", retry
        again = await alice.ok(
            "message.send",
            {"room_id": room["id"], "content": "during", "client_msg_id": "during-1"},
        )
        assert again["message"]["id"] == retry["data"]["message"]["id"]
        await alice.ok("message.send", {"room_id": room["id"], "content": "after"})

        history = await bob.ok("room.messages", {"room_id": room["id"], "after_seq": 0})
        contents = [m["content"] for m in history["messages"]]
        assert contents == ["before 0", "before 1", "before 2", "during", "after"]
        assert [m["seq"] for m in history["messages"]] == [1, 2, 3, 4, 5]
        for client in (alice, bob):
            await client.close()
