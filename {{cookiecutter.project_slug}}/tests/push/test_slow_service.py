"""A push service that hangs costs the push thread its timeouts, and the chat nothing.

The loopback push service holds every request open without answering (``hang()``): the
push thread waits CHAT["PUSH_TIMEOUT"] (2 s here) per request, and the sockets' messages are
timed meanwhile against the same room with the service answering at once.
"""

import statistics
import time

import pytest
from asgiref.sync import sync_to_async

from chat.push import hooks, sender
from chat.push.outbox import Outbox
from tests.helpers import call
from tests.push.conftest import subscribe
from tests.rooms import room_with

pytestmark = [pytest.mark.django_db(transaction=True)]

# Twice this many sends stay inside a user's burst of CHAT["RATE_LIMIT_BURST"] (30).
MESSAGES = 12


async def latencies(a, b, room, label):
    """Seconds from each of alice's mentions of bob to its message.new on bob's socket."""
    seconds = []
    for n in range(MESSAGES):
        content = f"@bob {label} {n}"
        started = time.perf_counter()
        await a.send(
            {
                "event_type": "message.send",
                "data": {"room_id": room["id"], "content": content},
                "request_id": f"{label}{n}",
            }
        )
        await b.expect(
            "message.new", where=lambda d, content=content: d["message"]["content"] == content
        )
        seconds.append(time.perf_counter() - started)
    return seconds


async def test_a_hanging_push_service_delays_no_message(connect, alice, bob, push, capsys):
    for _ in range(3):
        await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    answering = await latencies(a, b, room, "answering")
    await sync_to_async(push.wait_for)(3 * MESSAGES)

    push.hang()
    hanging = await latencies(a, b, room, "hanging")
    # The push thread is stuck in a request the service holds open: the chat went on.
    await sync_to_async(push.wait_for_requests)(3 * MESSAGES + 1)
    with capsys.disabled():
        for label, seconds in (("answering", answering), ("hanging", hanging)):
            print(
                f"\nmessage latency, push service {label}: median "
                f"{statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"
            )
    # Each push now waits 2 s for the service; no message waited for one.
    assert max(hanging) < 1.0, hanging
    push.release()


async def test_a_full_queue_drops_pushes_with_a_log_line(
    connect, alice, bob, push, settings, monkeypatch, caplog
):
    settings.CHAT = {**settings.CHAT, "PUSH_QUEUE_SIZE": 2}
    small = Outbox()
    monkeypatch.setattr(hooks, "outbox", small)
    monkeypatch.setattr(sender, "outbox", small)
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    push.hang()
    for n in range(6):
        await a.ok("message.send", {"room_id": room["id"], "content": f"@bob {n}"})
    # One push is held by the service, two wait in the queue; the others were dropped.
    assert small.counts["dropped"] >= 2
    assert "Push queue full (2): a push was dropped" in caplog.text
    push.release()
    await sync_to_async(small.join)()
    assert len(push.deliveries) + small.counts["dropped"] == 6
