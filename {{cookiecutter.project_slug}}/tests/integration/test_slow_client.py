"""A client that stops reading is dropped; everyone else keeps their pace."""

import asyncio
import secrets
import socket
import time

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token
from testservers.live import LiveServer, create_users, run_django, services_env

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
MESSAGES = 800
CONTENT_BYTES = 6000  # 800 x 8 KB of random text: more than socket buffers hold


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_client_that_stops_reading_is_dropped(tmp_path, redis_server):
    env = services_env(
        tmp_path,
        redis_server.url,
        CHAT_SLOW_CLIENT_TIMEOUT=2,
        CHAT_RATE_LIMIT_PER_SECOND=10_000,
        CHAT_RATE_LIMIT_BURST=10_000,
    )
    live = LiveServer(tmp_path, env)
    create_users(env, "alice", "bob", "carol", password=PASSWORD)
    with live:
        tokens = {
            name: await asyncio.to_thread(fetch_token, live.url, name, PASSWORD)
            for name in ("alice", "bob", "carol")
        }
        alice = await connect_websocket(live.ws_url, token=tokens["alice"])
        bob = await connect_websocket(live.ws_url, token=tokens["bob"])
        room = (
            await alice.ok(
                "room.create", {"kind": "group", "name": "Flood", "members": ["bob", "carol"]}
            )
        )["room"]
        await bob.expect("room.created")
        # carol's client buffers one frame and then stops reading from a socket with a tiny
        # receive buffer, so the server's send buffer fills quickly.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", live.port))
        carol = await websockets.connect(
            live.ws_url,
            additional_headers={"Authorization": f"Bearer {tokens['carol']}"},
            sock=sock,
            max_queue=1,
            max_size=2**20,
        )
        await asyncio.sleep(0.5)
        rss_before = rss_kib(live.process.pid)

        received = 0
        last_received_at = 0.0

        async def read_all():
            nonlocal received, last_received_at
            while received < MESSAGES:
                await bob.expect("message.new", timeout=30)
                received += 1
                last_received_at = time.monotonic()

        reader = asyncio.create_task(read_all())
        for i in range(MESSAGES):
            # Random text, so per-message deflate cannot shrink it.
            content = f"{i} {secrets.token_urlsafe(CONTENT_BYTES)}"
            await alice.ok("message.send", {"room_id": room["id"], "content": content})
        last_sent_at = time.monotonic()
        await asyncio.wait_for(reader, 30)
        rss_after = rss_kib(live.process.pid)

        assert received == MESSAGES
        # bob kept up: his last message came right after alice's last send.
        assert last_received_at - last_sent_at < 2.0
        # carol's socket was dropped and its session forgotten.
        deadline = time.monotonic() + 10
        while "Dropping a socket of user" not in live.log() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert "Dropping a socket of user" in live.log()
        sessions = run_django(
            env,
            "from chat.models import ChatSession\n"
            "print(sorted(ChatSession.objects.values_list('user__username', flat=True)))",
        )
        assert sessions.strip() == "['alice', 'bob']"
        growth_mib = (rss_after - rss_before) / 1024
        sent_mib = MESSAGES * CONTENT_BYTES * 4 / 3 / 2**20
        print(f"server RSS grew {growth_mib:.1f} MiB while {sent_mib:.0f} MiB were sent")
        assert growth_mib < 64
        await carol.close()
        await alice.close()
        await bob.close()
