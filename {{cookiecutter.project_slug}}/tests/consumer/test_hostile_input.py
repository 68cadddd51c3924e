"""Malformed and unauthorised frames: each gets its error code, the socket stays open."""

import json

import pytest

from chat.models import Membership, Message, Room
from tests.helpers import call
from tests.hostile_frames import BAD_FRAMES
from tests.rooms import create_room, say

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def victim_room(connect, alice, bob):
    """A room alice and bob share with one message; carol is an outsider."""
    a = await connect(alice)
    room = await create_room(a, name="Private", members=["bob"])
    return room, await say(a, room, "private words")


@pytest.mark.parametrize(("frame", "code", "echoes_id"), BAD_FRAMES)
async def test_bad_frame_gets_error_and_socket_survives(connect, alice, frame, code, echoes_id):
    client = await connect(alice)
    await client.communicator.send_to(text_data=frame)
    error = await client.receive()
    assert error["event_type"] == "error"
    assert error["data"]["code"] == code, error
    assert set(error["data"]) == {"code", "name", "detail"}
    assert ("request_id" in error) is echoes_id
    assert (await client.ok("room.list"))["rooms"] == []


async def test_binary_frame_is_refused(connect, alice):
    client = await connect(alice)
    await client.communicator.send_to(bytes_data=b"\x00\x01")
    error = await client.receive()
    assert error["data"]["code"] == 4007
    await client.ok("session.heartbeat")


# Every client event whose data names a room or a message (room_id, message_id, at any depth)
# is here: what an outsider sends about alice and bob's room or message, and the error code
# that refuses it (4040 room_not_found, 4041 message_not_found: the same as for no such
# thing, so the outsider learns nothing). tests/unit/test_event_tables.py holds the table to
# chat.protocol.CLIENT_EVENTS.
OUTSIDER_EVENTS = [
    ("message.send", lambda r, m: {"room_id": r["id"], "content": "let me in"}, 4040),
    ("message.forward", lambda r, m: {"message_id": m["id"], "room_id": r["id"]}, 4041),
    ("message.edit", lambda r, m: {"message_id": m["id"], "content": "mine now"}, 4041),
    ("message.delete", lambda r, m: {"message_id": m["id"]}, 4041),
    ("message.react", lambda r, m: {"message_id": m["id"], "emoji": "👀"}, 4041),
    ("message.react", lambda r, m: {"message_id": m["id"], "emoji": "👀", "remove": True}, 4041),
    ("message.read", lambda r, m: {"room_id": r["id"], "seq": 1}, 4040),
    ("message.delivered", lambda r, m: {"positions": [{"room_id": r["id"], "seq": 1}]}, 4040),
    ("message.typing", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.info", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.messages", lambda r, m: {"room_id": r["id"], "after_seq": 0}, 4040),
    ("room.members", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.receipts", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.mute", lambda r, m: {"room_id": r["id"], "muted": True}, 4040),
    ("room.messages", lambda r, m: {"room_id": r["id"], "around_seq": 1}, 4040),
    ("room.join", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.leave", lambda r, m: {"room_id": r["id"]}, 4040),
    ("room.add_members", lambda r, m: {"room_id": r["id"], "members": ["carol"]}, 4040),
    ("room.remove_members", lambda r, m: {"room_id": r["id"], "members": ["bob"]}, 4040),
    ("room.update", lambda r, m: {"room_id": r["id"], "name": "pwned"}, 4040),
    ("room.delete", lambda r, m: {"room_id": r["id"]}, 4040),
    ("presence", lambda r, m: {"room_id": r["id"]}, 4040),
    ("message.report", lambda r, m: {"message_id": m["id"], "reason": "spam"}, 4041),
    ("room.ban", lambda r, m: {"room_id": r["id"], "username": "bob"}, 4040),
    ("room.unban", lambda r, m: {"room_id": r["id"], "username": "bob"}, 4040),
    ("room.bans", lambda r, m: {"room_id": r["id"]}, 4040),
    ("message.search", lambda r, m: {"query": "private", "room_id": r["id"]}, 4040),
    (
        "message.send",
        lambda r, m: {"room_id": r["id"], "content": "x", "thread_root_id": m["id"]},
        4040,
    ),
    ("room.messages", lambda r, m: {"room_id": r["id"], "thread_root_id": m["id"]}, 4040),
    ("thread.follow", lambda r, m: {"thread_root_id": m["id"]}, 4041),
    ("thread.unfollow", lambda r, m: {"thread_root_id": m["id"]}, 4041),
    ("thread.read", lambda r, m: {"thread_root_id": m["id"], "seq": 1}, 4041),
    ("bot.create", lambda r, m: {"room_id": r["id"], "name": "intruder"}, 4040),
    ("bot.list", lambda r, m: {"room_id": r["id"]}, 4040),
]


@pytest.mark.parametrize(("event_type", "make_data", "code"), OUTSIDER_EVENTS)
async def test_outsider_is_refused_and_learns_nothing(
    connect, victim_room, carol, event_type, make_data, code
):
    room, message = victim_room
    outsider = await connect(carol)
    reply = await outsider.request(event_type, make_data(room, message))
    assert reply["event_type"] == "error"
    assert reply["data"]["code"] == code
    assert "private words" not in json.dumps(reply)
    stored = await call(Message.objects.get, pk=message["id"])
    assert stored.content == "private words"
    assert stored.deleted_at is None
    assert await call(Message.objects.count) == 1
    assert (await call(Room.objects.get, pk=room["id"])).name == "Private"
    assert await call(Membership.objects.filter(room_id=room["id"]).count) == 2
    assert not await call(Membership.objects.filter(user=carol).exists)


async def test_rate_limit_answers_with_its_own_code(connect, alice, settings):
    settings.CHAT = {**settings.CHAT, "RATE_LIMIT_PER_SECOND": 0.001, "RATE_LIMIT_BURST": 3}
    client = await connect(alice)
    codes = []
    for _ in range(5):
        reply = await client.request("room.list")
        codes.append(reply["data"].get("code") if reply["event_type"] == "error" else "ok")
    assert codes == ["ok", "ok", "ok", 4029, 4029]
