"""chat/services/typing_indicators.py: typing goes out at once, on the event loop.

typing_send is the one coroutine service: it stores nothing and sends straight to the channel
layer (the in-memory one the test settings use), not after a commit.
"""

import pytest
from channels.layers import get_channel_layer

from chat import broadcast, exceptions, protocol, services
from tests.domain import socket_name
from tests.published import decode

pytestmark = pytest.mark.django_db(transaction=True)

ROOM_ID = 7
SOCKET = socket_name("typist")


@pytest.fixture
async def listener():
    """A layer channel joined to room 7's group, as a process holding its sockets would be."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcast.room_group(ROOM_ID), channel)
    yield channel
    await layer.flush()


async def received(channel):
    return decode(broadcast.room_group(ROOM_ID), await get_channel_layer().receive(channel), None)


@pytest.mark.parametrize("is_typing", [True, False])
async def test_typing_send_reaches_the_rooms_group_at_once_excluding_the_typist(
    alice, listener, is_typing
):
    result = await services.typing_send(
        user=alice,
        channel_name=SOCKET,
        room_ids={3, ROOM_ID},
        room_id=ROOM_ID,
        is_typing=is_typing,
    )
    data = {
        "room_id": ROOM_ID,
        "user": {"id": alice.pk, "username": "alice"},
        "is_typing": is_typing,
    }
    assert result == data
    event = await received(listener)
    assert event.head == (
        broadcast.EVENT,
        broadcast.room_group(ROOM_ID),
        protocol.ROOM_TYPING,
        ("is_typing", "room_id", "user"),
    )
    assert event.data == data
    # The typist's id: sockets of users who block them skip it (chat.screening).
    assert event.layer == {"room_id": ROOM_ID, "exclude_channel": SOCKET, "typist": alice.pk}


async def test_typing_send_refuses_a_room_the_socket_is_not_in(alice, listener):
    with pytest.raises(exceptions.RoomNotFoundError):
        await services.typing_send(user=alice, channel_name=SOCKET, room_ids={3}, room_id=ROOM_ID)
    # Nothing reached the group: the first thing the channel holds is this marker.
    await get_channel_layer().send(listener, {"type": "marker"})
    assert await get_channel_layer().receive(listener) == {"type": "marker"}
