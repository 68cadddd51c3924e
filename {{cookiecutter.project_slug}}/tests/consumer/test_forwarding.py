"""message.forward through a real socket and the real Redis channel layer."""

import pytest

from chat.models import Message
from tests.rooms import create_room, room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_a_forward_reaches_the_destination_and_refers_to_its_origin(
    connect, alice, bob, carol
):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    origin = (await room_with(a, b, name="Origin"))["id"]
    destination = (await room_with(a, c, name="Destination"))["id"]
    sent = (await b.ok("message.send", {"room_id": origin, "content": "look"}))["message"]
    data = {"message_id": sent["id"], "room_id": destination, "client_msg_id": "fw-1"}
    copy = (await a.ok("message.forward", data))["message"]
    assert copy["forwarded_from"] == {"room_id": origin, "seq": sent["seq"]}
    pushed = await c.expect("message.new", where=lambda d: d["message"]["room_id"] == destination)
    assert pushed["message"] == copy
    # Carol sees the reference but cannot follow it; Bob, in the origin only, got nothing.
    error = await c.request("room.messages", {"room_id": origin})
    assert error["data"]["code"] == 4040
    assert (await b.expect("message.new"))["message"]["room_id"] == origin  # Bob's own send
    await b.silent("message.new")


async def test_forwarding_what_one_cannot_read_is_refused_and_the_socket_survives(
    connect, alice, bob, carol
):
    a, c = await connect(alice), await connect(carol)
    private = await create_room(a, name="Private", members=["bob"])
    carols = (await create_room(c, name="Carol's"))["id"]
    sent = await say(a, private, "secret")
    for message_id in (sent["id"], 10**15):
        data = {"message_id": message_id, "room_id": carols}
        error = await c.request("message.forward", data)
        assert (error["event_type"], error["data"]["code"]) == ("error", 4041), error
    # Into a room Alice cannot see: 4040, as for a send.
    error = await a.request("message.forward", {"message_id": sent["id"], "room_id": carols})
    assert error["data"]["code"] == 4040
    assert await Message.objects.filter(forwarded_from__isnull=False).acount() == 0
    assert (await c.ok("room.list"))["rooms"][0]["id"] == carols
