"""Events leave only after commit; domain calls run on ASGI_THREADS threads."""

import asyncio
import threading

import pytest

from chat import broadcast, exceptions, services, sync
from chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_service_publishes_after_commit_only(alice, bob):
    with broadcast.collected() as outbox:
        room = services.room_create(user=alice, kind="group", name="T", members=["bob"])["room"]
        services.message_send(user=alice, room_id=room["id"], content="hi")
    types = [message["type"] for _, message, _ in outbox]
    assert types.count(broadcast.MEMBERSHIP) == 2
    assert [g for g, m, _ in outbox if m["type"] == broadcast.EVENT][-1] == f"room.{room['id']}"


def test_failed_service_publishes_nothing_and_stores_nothing(alice, bob):
    room = services.room_create(user=alice, kind="group", name="T", members=["bob"])["room"]
    with broadcast.collected() as outbox, pytest.raises(exceptions.MessageNotFoundError):
        services.message_send(user=alice, room_id=room["id"], content="x", reply_to=999)
    assert outbox == []
    assert Message.objects.count() == 0
    # The rolled-back seq is given back: the next message is number 1.
    assert services.message_send(user=alice, room_id=room["id"], content="y")["message"]["seq"] == 1


async def test_domain_calls_run_on_at_most_asgi_threads_threads(settings):
    sync._executor.cache_clear()
    settings.ASGI_THREADS = 3
    seen = set()
    barrier = threading.Barrier(3, timeout=5)

    def work():
        seen.add(threading.get_ident())
        barrier.wait()  # three calls run at once: the pool is not one thread
        return threading.current_thread().name

    names = await asyncio.gather(*(sync.run(work) for _ in range(3)))
    more = await asyncio.gather(
        *(sync.run(lambda: seen.add(threading.get_ident())) for _ in range(30))
    )
    assert len(more) == 30
    assert len(seen) == 3
    assert all(name.startswith("chat-db") for name, _ in names)
    sync._executor.cache_clear()
