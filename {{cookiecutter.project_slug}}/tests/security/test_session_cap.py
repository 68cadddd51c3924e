"""The session cap holds on the local in-memory layer and when the eviction is lost."""

import pytest
from asgiref.sync import sync_to_async

from chat.models import ChatSession
from tests.clients import ConnectionClosedError, connect_communicator

pytestmark = [pytest.mark.django_db(transaction=True)]


async def closed_with(client, timeout=5):
    with pytest.raises(ConnectionClosedError) as closed:
        await client.until(lambda envelope: False, timeout)
    return closed.value.code


async def test_the_cap_evicts_the_oldest_on_the_in_memory_layer(alice, settings):
    # The default local setup: no Redis, Channels' in-memory layer (tests/settings.py).
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    cap = settings.CHAT["MAX_SESSIONS_PER_USER"]
    sockets = [await connect_communicator(alice) for _ in range(cap + 1)]
    assert await closed_with(sockets[0]) == 4008
    for socket in sockets[1:]:
        await socket.ok("session.heartbeat")
    assert await sync_to_async(ChatSession.objects.filter(user=alice).count)() == cap
    for socket in sockets[1:]:
        await socket.close()


async def test_a_socket_whose_session_row_is_gone_closes_instead_of_recreating_it(alice):
    socket = await connect_communicator(alice)
    # As if its eviction was lost, or cleanup_chat_sessions presumed it dead.
    await sync_to_async(ChatSession.objects.filter(user=alice).delete)()
    await socket.send({"event_type": "session.heartbeat", "request_id": "beat"})
    assert await closed_with(socket) == 4008
    assert not await sync_to_async(ChatSession.objects.filter(user=alice).exists)()
