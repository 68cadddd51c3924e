"""room.* events through a real socket and the real Redis channel layer."""

import pytest

from chat.models import Membership, Room
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


async def create_group(client, name="Team", members=("bob",)):
    data = await client.ok("room.create", {"kind": "group", "name": name, "members": list(members)})
    return data["room"]


async def test_room_create_reaches_every_member_and_no_one_else(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await create_group(a, members=["alice", "bob"])
    assert set(room) >= {"id", "kind", "name", "members"}
    assert room["kind"] == "group"
    assert room["role"] == "admin"
    assert [m["username"] for m in room["members"]] == ["alice", "bob"]
    for client in (a, b):
        created = await client.expect("room.created")
        assert created["room"]["id"] == room["id"]
    await c.silent("room.created")
    # Both members' sockets joined the room's group at once: a message reaches them.
    await a.ok("message.send", {"room_id": room["id"], "content": "hi"})
    assert (await b.expect("message.new"))["message"]["content"] == "hi"
    await c.silent("message.new")


async def test_member_lists_never_expose_email(connect, alice, bob):
    a = await connect(alice)
    room = await create_group(a)
    info = await a.ok("room.info", {"room_id": room["id"]})
    for member in info["room"]["members"]:
        assert set(member) == {"id", "username", "role"}


async def test_direct_room_is_one_per_pair(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    first = await a.ok("room.create", {"kind": "direct", "members": ["bob"]})
    again = await b.ok("room.create", {"kind": "direct", "members": ["alice"]})
    assert first["room"]["id"] == again["room"]["id"]
    assert await call(Room.objects.filter(kind="direct").count) == 1


async def test_direct_room_needs_exactly_one_other_member(connect, alice, bob, carol):
    a = await connect(alice)
    reply = await a.request("room.create", {"kind": "direct", "members": ["bob", "carol"]})
    assert reply["data"]["code"] == 4004


async def test_unknown_members_are_named(connect, alice):
    a = await connect(alice)
    reply = await a.request("room.create", {"kind": "group", "name": "x", "members": ["nobody"]})
    assert reply["data"]["code"] == 4042
    assert "nobody" in reply["data"]["detail"]


async def test_removed_member_stops_receiving_at_once(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    second_device = await connect(bob)
    room = await create_group(a)
    await b.expect("room.created")
    await second_device.expect("room.created")
    await a.ok("room.remove_members", {"room_id": room["id"], "members": ["bob"]})
    for device in (b, second_device):
        removed = await device.expect("room.removed")
        assert removed == {"room_id": room["id"], "reason": "removed"}
    await a.ok("message.send", {"room_id": room["id"], "content": "secret"})
    await b.silent("message.new")
    await second_device.silent("message.new")
    refused = await b.request("room.messages", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4040


async def test_only_admins_manage_members(connect, alice, bob, carol):
    a, b = await connect(alice), await connect(bob)
    room = await create_group(a)
    await b.expect("room.created")
    reply = await b.request("room.add_members", {"room_id": room["id"], "members": ["carol"]})
    assert reply["data"]["code"] == 4030
    reply = await b.request("room.remove_members", {"room_id": room["id"], "members": ["alice"]})
    assert reply["data"]["code"] == 4030
    added = await a.ok("room.add_members", {"room_id": room["id"], "members": ["carol"]})
    assert [m["username"] for m in added["added"]] == ["carol"]
    # bob may also have seen the room's creation announced to it (members alice and bob),
    # depending on whether his socket had joined the room by then.
    pushed = await b.expect(
        "room.members_added", where=lambda d: "carol" in [m["username"] for m in d["members"]]
    )
    assert [m["username"] for m in pushed["members"]] == ["carol"]


async def test_group_member_cap(connect, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "GROUP_MAX_MEMBERS": 2}
    a = await connect(alice)
    room = await create_group(a)
    reply = await a.request("room.add_members", {"room_id": room["id"], "members": ["carol"]})
    assert reply["data"]["code"] == 4090
    assert await call(Membership.objects.filter(room_id=room["id"]).count) == 2


async def test_public_channel_discover_join_and_admin_only_posting(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    channel = (await a.ok("room.create", {"kind": "channel", "name": "News", "is_public": True}))[
        "room"
    ]
    listed = await b.ok("room.discover")
    assert [(r["id"], r["joined"]) for r in listed["rooms"]] == [(channel["id"], False)]
    joined = await b.ok("room.join", {"room_id": channel["id"]})
    assert joined["room"]["role"] == "member"
    assert (await b.expect("room.created"))["room"]["id"] == channel["id"]
    refused = await b.request("message.send", {"room_id": channel["id"], "content": "me too"})
    assert refused["data"]["code"] == 4030
    await a.ok("message.send", {"room_id": channel["id"], "content": "announcement"})
    assert (await b.expect("message.new"))["message"]["content"] == "announcement"


async def test_private_rooms_cannot_be_joined_or_seen(connect, alice, bob, carol):
    a, c = await connect(alice), await connect(carol)
    room = await create_group(a)
    for event_type in ("room.join", "room.info", "room.messages", "presence"):
        reply = await c.request(event_type, {"room_id": room["id"]})
        assert reply["event_type"] == "error"
        assert reply["data"]["code"] == 4040, event_type


async def test_leave_hands_over_admin_and_empty_rooms_disappear(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await create_group(a)
    await b.expect("room.created")
    await a.ok("room.leave", {"room_id": room["id"]})
    # bob's page hears at once that he is now its admin, before the room counts alice out.
    updated = await b.expect("room.updated")
    assert [(m["username"], m["role"]) for m in updated["roles"]] == [("bob", "admin")]
    assert (await b.expect("room.members_removed"))["user_ids"] == [alice.pk]
    info = await b.ok("room.info", {"room_id": room["id"]})
    assert info["room"]["role"] == "admin"
    await b.ok("room.leave", {"room_id": room["id"]})
    assert not await call(Room.objects.filter(pk=room["id"]).exists)


async def test_update_and_delete_by_admins(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await create_group(a)
    await b.expect("room.created")
    refused = await b.request("room.update", {"room_id": room["id"], "name": "Mine"})
    assert refused["data"]["code"] == 4030
    updated = await a.ok("room.update", {"room_id": room["id"], "name": "Renamed"})
    assert updated["room"]["name"] == "Renamed"
    assert (await b.expect("room.updated"))["room"]["name"] == "Renamed"
    await a.ok("room.delete", {"room_id": room["id"]})
    assert (await b.expect("room.deleted")) == {"room_id": room["id"]}
    assert not await call(Room.objects.filter(pk=room["id"]).exists)


async def test_room_list_counts_unread(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await create_group(a)
    for text in ("one", "two", "three"):
        await a.ok("message.send", {"room_id": room["id"], "content": text})
    rooms = (await b.ok("room.list"))["rooms"]
    assert [(r["id"], r["unread"], r["last_seq"]) for r in rooms] == [(room["id"], 3, 3)]
    # The sender's own messages are read.
    assert (await a.ok("room.list"))["rooms"][0]["unread"] == 0
    await b.ok("message.read", {"room_id": room["id"], "seq": 2})
    assert (await b.ok("room.list"))["rooms"][0]["unread"] == 1


async def test_room_list_puts_the_latest_activity_first(connect, alice, bob):
    a = await connect(alice)
    older = await create_group(a, name="Older")
    newer = await create_group(a, name="Newer")
    for _ in range(3):
        await a.ok("message.send", {"room_id": newer["id"], "content": "busy"})
    await a.ok("message.send", {"room_id": older["id"], "content": "latest"})
    rooms = (await a.ok("room.list"))["rooms"]
    assert [r["name"] for r in rooms] == ["Older", "Newer"]
    assert rooms[0]["last_activity_at"] > rooms[1]["last_activity_at"]


async def test_room_updated_carries_no_ones_private_state(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await create_group(a)
    await b.expect("room.created")
    reply = await a.ok("room.update", {"room_id": room["id"], "description": "about"})
    assert reply["room"]["role"] == "admin"
    pushed = (await b.expect("room.updated"))["room"]
    assert pushed["description"] == "about"
    assert not {"role", "unread", "mentions", "last_read_seq", "muted"} & set(pushed)
