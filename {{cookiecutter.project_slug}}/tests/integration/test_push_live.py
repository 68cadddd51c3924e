"""A hanging push service and a running server: Uvicorn, real WebSockets, the real Redis.

Bob has three subscribed browsers on the loopback push service (testservers/push.py), which
first answers and then holds every request open. Alice's mentions of Bob are timed from her
send to his socket's message.new, before and while it hangs: the server's push thread waits
out CHAT_PUSH_TIMEOUT (2 s) per push, and no message waits for it.
"""

import asyncio
import json
import statistics
import time

import pytest

from chat.management.commands.vapid_keys import new_pair
from tests.clients import connect_websocket, fetch_token
from testservers.live import LiveServer, base_env, create_users, run_django
from testservers.push import PushService

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
MESSAGES = 12  # two rounds stay inside a user's burst of CHAT_RATE_LIMIT_BURST (30)


def subscribe_in_server(env, service, username, count):
    """Give ``username`` ``count`` browsers, each signed in with a session of its own."""
    infos = [service.subscribe().info() for _ in range(count)]
    run_django(
        env,
        f"""
        from django.contrib.auth import get_user_model
        from django.test import Client
        from chat.push import subscriptions
        user = get_user_model().objects.get(username={username!r})
        for info in {json.dumps(infos)}:
            client = Client()
            client.force_login(user)
            subscriptions.subscribe(user=user, session_key=client.session.session_key, data=info)
        """,
    )


async def timed(alice, bob, room_id, label):
    seconds = []
    for n in range(MESSAGES):
        content = f"@bob {label} {n}"
        started = time.perf_counter()
        frame = {"room_id": room_id, "content": content}
        await alice.send({"event_type": "message.send", "data": frame, "request_id": f"{label}{n}"})
        await bob.expect(
            "message.new", where=lambda d, content=content: d["message"]["content"] == content
        )
        seconds.append(time.perf_counter() - started)
    return seconds


async def test_a_hanging_push_service_delays_no_message_on_a_running_server(
    tmp_path, redis_server, capsys
):
    public, private = new_pair()
    with PushService() as service:
        service.vapid_key = public
        env = base_env(
            tmp_path,
            REDIS_URL=redis_server.url,
            CHANNEL_LAYER_PREFIX=tmp_path.name[:20],
            VAPID_PUBLIC_KEY=public,
            VAPID_PRIVATE_KEY=private,
            VAPID_SUBJECT="mailto:ops@example.com",
            CHAT_PUSH_ALLOW_LOOPBACK="true",
            CHAT_PUSH_TIMEOUT="2",
        )
        with LiveServer(tmp_path, env) as server:
            create_users(env, "alice", "bob", password=PASSWORD)
            subscribe_in_server(env, service, "bob", 3)
            tokens = [
                await asyncio.to_thread(fetch_token, server.url, name, PASSWORD)
                for name in ("alice", "bob")
            ]
            alice, bob = [await connect_websocket(server.ws_url, token=t) for t in tokens]
            data = {"kind": "group", "name": "general", "members": ["bob"]}
            room_id = (await alice.ok("room.create", data))["room"]["id"]
            await bob.expect("room.created")
            answering = await timed(alice, bob, room_id, "answering")
            await asyncio.to_thread(service.wait_for, 3 * MESSAGES, 30)
            service.hang()
            hanging = await timed(alice, bob, room_id, "hanging")
            await asyncio.to_thread(service.wait_for_requests, 3 * MESSAGES + 1)
            with capsys.disabled():
                for label, seconds in (("answering", answering), ("hanging", hanging)):
                    print(
                        f"\nlive server, push service {label}: median "
                        f"{statistics.median(seconds) * 1000:.1f} ms, "
                        f"max {max(seconds) * 1000:.1f} ms"
                    )
            assert max(hanging) < 1.0, hanging
            service.release()
            await alice.close()
            await bob.close()
    assert service.refusals == []
