"""Delivery and read receipts through a real socket and the real Redis channel layer.

Where a test shows that something is not sent, it sends a later message (a fence) and waits
for it: what was published before the fence reaches each socket before it, so an event
missing when the fence arrives was never sent. No test waits for time to pass.
"""

import pytest

from chat.models import Membership
from tests.helpers import call
from tests.rooms import room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]


async def fence(sender, room, *receivers):
    """Send a message and wait until every receiver has it."""
    message = await say(sender, room, "fence")
    for receiver in receivers:
        await receiver.expect("message.new", where=lambda d: d["message"]["id"] == message["id"])


def pushed(client, event_type):
    """The events of ``event_type`` a client has received and no test step consumed yet."""
    return [e["data"] for e in client.events if e["event_type"] == event_type]


def reads_of(user, client):
    """The room.read events of ``user`` a client has received and not consumed."""
    return [r for r in pushed(client, "room.read") if r["user"]["id"] == user.pk]


def positions(user, room_id):
    membership = Membership.objects.get(user=user, room_id=room_id)
    return membership.last_delivered_seq, membership.last_read_seq


async def test_a_batch_of_acknowledgements_moves_each_room_and_tells_its_members(
    connect, alice, bob
):
    a, b = await connect(alice), await connect(bob)
    group = await room_with(a, b)
    direct = await room_with(a, b, kind="direct")
    for text in ("1", "2", "3"):
        await say(a, group, text)
    await say(a, direct, "hi")

    reply = await b.ok(
        "message.delivered",
        {
            "positions": [
                {"room_id": group["id"], "seq": 2},
                {"room_id": direct["id"], "seq": 1},
                {"room_id": group["id"], "seq": 99},  # the highest of a room counts, capped
            ]
        },
    )
    assert sorted(reply["positions"], key=lambda p: p["room_id"]) == sorted(
        [
            {"room_id": group["id"], "last_delivered_seq": 3},
            {"room_id": direct["id"], "last_delivered_seq": 1},
        ],
        key=lambda p: p["room_id"],
    )
    for room, seq in ((group, 3), (direct, 1)):
        told = await a.expect("room.delivered", where=lambda d, r=room: d["room_id"] == r["id"])
        assert told == {
            "room_id": room["id"],
            "user": {"id": bob.pk, "username": "bob"},
            "last_delivered_seq": seq,
        }
    assert await call(positions, user=bob, room_id=group["id"]) == (3, 0)

    # Acknowledging what is already acknowledged moves nothing and tells no one.
    again = await b.ok("message.delivered", {"positions": [{"room_id": group["id"], "seq": 1}]})
    assert again == {"positions": [{"room_id": group["id"], "last_delivered_seq": 3}]}
    await fence(b, group, a)
    assert pushed(a, "room.delivered") == []


async def test_a_read_moves_delivery_too_and_room_receipts_show_both(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    group = await room_with(a, b, c)
    for text in ("1", "2", "3"):
        await say(a, group, text)
    await b.ok("message.read", {"room_id": group["id"], "seq": 2})
    await c.ok("message.delivered", {"positions": [{"room_id": group["id"], "seq": 3}]})
    read = await a.expect("room.read", where=lambda d: d["user"]["id"] == bob.pk)
    assert read["last_read_seq"] == 2

    receipts = await a.ok("room.receipts", {"room_id": group["id"]})
    assert receipts == {
        "room_id": group["id"],
        "enabled": True,
        "members": [
            {
                "user": {"id": bob.pk, "username": "bob"},
                "last_read_seq": 2,
                "last_delivered_seq": 2,
            },
            {
                "user": {"id": carol.pk, "username": "carol"},
                "last_read_seq": 0,
                "last_delivered_seq": 3,
            },
        ],
    }
    assert await call(positions, user=bob, room_id=group["id"]) == (2, 2)


async def test_a_batch_naming_a_room_not_the_users_moves_nothing(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    theirs = await room_with(a, b)
    others = await room_with(c, kind="direct", members=("alice",))
    await say(a, theirs, "1")
    refused = await b.request(
        "message.delivered",
        {"positions": [{"room_id": theirs["id"], "seq": 1}, {"room_id": others["id"], "seq": 1}]},
    )
    assert refused["event_type"] == "error" and refused["data"]["code"] == 4040
    assert await call(positions, user=bob, room_id=theirs["id"]) == (0, 0)
    refused = await b.request("room.receipts", {"room_id": others["id"]})
    assert refused["data"]["code"] == 4040


async def test_read_receipts_off_are_off_both_ways(connect, alice, bob):
    a, b, b_phone = await connect(alice), await connect(bob), await connect(bob)
    on = {"read_receipts": True, "email_digests": True, "push_notifications": True}
    assert b.hello["settings"] == on
    group = await room_with(a, b, b_phone)
    for text in ("1", "2"):
        await say(a, group, text)

    off = {**on, "read_receipts": False}
    assert await b.ok("settings.update", {"read_receipts": False}) == off
    assert await b_phone.expect("settings.updated") == off
    assert (await connect(bob)).hello["settings"] == off

    # Bob's read reaches his own devices only; Alice learns only that it was delivered.
    await b.ok("message.read", {"room_id": group["id"], "seq": 2})
    assert (await b_phone.expect("room.read"))["last_read_seq"] == 2
    delivered = await a.expect("room.delivered", where=lambda d: d["user"]["id"] == bob.pk)
    assert delivered["last_delivered_seq"] == 2
    # Alice's read of Bob's message does not reach Bob: it goes to the room, and his sockets
    # skip it.
    his = await say(b, group, "3")
    await a.expect("message.new", where=lambda d: d["message"]["id"] == his["id"])
    read = await a.ok("message.read", {"room_id": group["id"], "seq": his["seq"]})
    assert read["last_read_seq"] == his["seq"]
    await fence(a, group, a, b, b_phone)
    assert reads_of(bob, a) == []
    assert reads_of(alice, b) == [] and reads_of(alice, b_phone) == []

    # Neither sees the other's reads in room.receipts; deliveries still show.
    (bob_seen,) = (await a.ok("room.receipts", {"room_id": group["id"]}))["members"]
    assert bob_seen["last_read_seq"] is None and bob_seen["last_delivered_seq"] == his["seq"]
    (alice_seen,) = (await b.ok("room.receipts", {"room_id": group["id"]}))["members"]
    assert alice_seen["last_read_seq"] is None

    # On again: Bob's sockets hear Alice's reads at once.
    await b.ok("settings.update", {"read_receipts": True})
    await b_phone.expect("settings.updated")
    newest = await say(b, group, "4")
    await a.expect("message.new", where=lambda d: d["message"]["id"] == newest["id"])
    await a.ok("message.read", {"room_id": group["id"], "seq": newest["seq"]})
    assert (await b_phone.expect("room.read"))["user"]["id"] == alice.pk
    (bob_seen,) = (await a.ok("room.receipts", {"room_id": group["id"]}))["members"]
    assert bob_seen["last_read_seq"] == newest["seq"]  # his own message counts as read


async def test_large_groups_and_channels_have_no_receipts(connect, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "RECEIPTS_MAX_ROOM_SIZE": 2}
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    crowd = await room_with(a, b, c)
    pair = await room_with(a, b)
    channel = await room_with(a, kind="channel")
    for room in (crowd, channel):
        assert await a.ok("room.receipts", {"room_id": room["id"]}) == {
            "room_id": room["id"],
            "enabled": False,
            "members": [],
        }
    assert (await a.ok("room.receipts", {"room_id": pair["id"]}))["enabled"] is True

    await say(a, crowd, "1")
    await b.ok("message.read", {"room_id": crowd["id"], "seq": 1})
    await c.ok("message.delivered", {"positions": [{"room_id": crowd["id"], "seq": 1}]})
    await fence(b, crowd, a)
    assert reads_of(bob, a) == [] and pushed(a, "room.delivered") == []
    assert await call(positions, user=carol, room_id=crowd["id"]) == (1, 0)


HOSTILE = [
    ("message.delivered", {}),
    ("message.delivered", {"positions": []}),
    ("message.delivered", {"positions": "1"}),
    ("message.delivered", {"positions": [{"room_id": 1, "seq": 1}] * 101}),
    ("message.delivered", {"positions": [{"room_id": 1, "seq": 1, "extra": 1}]}),
    ("message.delivered", {"positions": [{"room_id": 1}]}),
    ("message.delivered", {"positions": [{"room_id": 0, "seq": 1}]}),
    ("message.delivered", {"positions": [{"room_id": 2**63, "seq": 1}]}),
    ("message.delivered", {"positions": [{"room_id": 1, "seq": -1}]}),
    ("message.delivered", {"positions": [{"room_id": 1, "seq": 2**63}]}),
    ("message.delivered", {"positions": [{"room_id": "1", "seq": 1}]}),
    ("message.delivered", {"positions": [{"room_id": True, "seq": 1}]}),
    ("message.delivered", {"positions": [[1, 1]]}),
    ("settings.update", {}),
    ("settings.update", {"email_digests": "yes"}),
    ("settings.update", {"push_notifications": 1}),
    ("settings.update", {"read_receipts": "no"}),
    ("settings.update", {"read_receipts": 0}),
    ("settings.update", {"read_receipts": None}),
    ("settings.update", {"read_receipts": True, "email": "x@example.com"}),
    ("room.receipts", {"room_id": -1}),
    ("room.receipts", {"room_id": 1.5}),
]


@pytest.mark.parametrize(("event_type", "data"), HOSTILE)
async def test_hostile_receipt_frames_get_4004_and_move_nothing(
    connect, alice, bob, event_type, data
):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    await say(a, room, "1")
    refused = await b.request(event_type, data, hostile=True)
    assert refused["event_type"] == "error" and refused["data"]["code"] == 4004, refused
    assert await call(positions, user=bob, room_id=room["id"]) == (0, 0)
    # The socket survives, and the setting is what it was.
    assert (await b.ok("room.receipts", {"room_id": room["id"]}))["enabled"] is True
    assert (await connect(bob)).hello["settings"] == {
        "read_receipts": True,
        "email_digests": True,
        "push_notifications": True,
    }
