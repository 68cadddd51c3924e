"""Nobody is put into a group or channel without consent: invitations, through a real socket.

With CHAT["ADD_WITHOUT_CONSENT"] at its default ("shared"), people the adder shares no
conversation with are invited (room.invited) and become members only by accepting.
"""

import pytest

from chat.models import Block, Membership, Notification, RoomInvitation
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def consent(settings):
    settings.CHAT = {**settings.CHAT, "ADD_WITHOUT_CONSENT": "shared"}


def member_ids(room_id):
    return set(Membership.objects.filter(room_id=room_id).values_list("user__username", flat=True))


async def test_a_stranger_is_invited_and_joins_only_by_accepting(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    data = {"kind": "group", "name": "Plans", "members": ["bob"]}
    room = (await a.ok("room.create", data))["room"]
    assert await call(member_ids, room_id=room["id"]) == {"alice"}
    invited = (await b.expect("room.invited"))["invitation"]
    assert invited["room"] == {"id": room["id"], "kind": "group", "name": "Plans"}
    assert invited["invited_by"]["username"] == "alice"
    # Not a member yet: the room's messages are not his to read, nor its mentions.
    await a.ok("message.send", {"room_id": room["id"], "content": "@bob secret plan"})
    refused = await b.request("room.messages", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4040, refused
    assert not await call(Notification.objects.filter(user=bob).exists)

    (listed,) = (await b.ok("invitation.list"))["invitations"]
    assert listed == invited
    joined = await b.ok("invitation.accept", {"invitation_id": invited["id"]})
    assert joined["room"]["id"] == room["id"]
    await b.expect("room.created", where=lambda d: d["room"]["id"] == room["id"])
    await a.expect("room.members_added", where=lambda d: d["room_id"] == room["id"])
    assert await call(member_ids, room_id=room["id"]) == {"alice", "bob"}
    assert (await b.ok("invitation.list"))["invitations"] == []
    again = await b.request("invitation.accept", {"invitation_id": invited["id"]})
    assert again["data"]["code"] == 4044, again


async def test_declining_drops_the_invitation_and_nobody_else_may_answer_it(
    connect, alice, bob, carol
):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = (await a.ok("room.create", {"kind": "channel", "name": "News"}))["room"]
    reply = await a.ok("room.add_members", {"room_id": room["id"], "members": ["bob"]})
    assert (reply["added"], reply["invited"]) == ([], 1)
    invitation = (await b.expect("room.invited"))["invitation"]
    stolen = await c.request("invitation.accept", {"invitation_id": invitation["id"]})
    assert stolen["data"]["code"] == 4044, stolen
    declined = await b.ok("invitation.decline", {"invitation_id": invitation["id"]})
    assert declined == {"invitation_id": invitation["id"]}
    assert await call(member_ids, room_id=room["id"]) == {"alice"}
    assert not await call(RoomInvitation.objects.exists)


async def test_people_who_share_a_conversation_and_site_admins_add_at_once(
    connect, alice, bob, carol, make_user
):
    dave = await call(make_user, username="dave")
    a, b = await connect(alice), await connect(bob)
    # Bob wrote to alice in their direct room: they know each other.
    pair = (await b.ok("room.create", {"kind": "direct", "members": ["alice"]}))["room"]
    await b.ok("message.send", {"room_id": pair["id"], "content": "hi alice"})
    room = (await a.ok("room.create", {"kind": "group", "name": "G", "members": ["bob"]}))["room"]
    assert await call(member_ids, room_id=room["id"]) == {"alice", "bob"}
    # A site admin adds anyone; carol shares the group with bob now only after being added.
    dave.is_staff = True
    await call(dave.save)
    d = await connect(dave)
    staff_room = await d.ok("room.create", {"kind": "group", "name": "S", "members": ["carol"]})
    assert await call(member_ids, room_id=staff_room["room"]["id"]) == {"dave", "carol"}


async def test_someone_who_blocks_the_adder_is_neither_added_nor_asked(connect, alice, bob):
    await call(Block.objects.create, blocker=bob, blocked=alice)
    a, b = await connect(alice), await connect(bob)
    room = (await a.ok("room.create", {"kind": "group", "name": "Again"}))["room"]
    refused = await a.request("room.add_members", {"room_id": room["id"], "members": ["bob"]})
    assert refused["data"]["code"] == 4042, refused  # as for a name nobody has
    assert not await call(RoomInvitation.objects.exists)
    await b.silent("room.invited")


async def test_filling_a_channel_with_strangers_notifies_nobody(connect, alice, make_user):
    for index in range(5):
        await call(make_user, username=f"user{index}")
    a = await connect(alice)
    room = (await a.ok("room.create", {"kind": "channel", "name": "Ads"}))["room"]
    names = [f"user{index}" for index in range(5)]
    reply = await a.ok("room.add_members", {"room_id": room["id"], "members": names})
    assert (reply["added"], reply["invited"]) == ([], 5)
    await a.ok("message.send", {"room_id": room["id"], "content": "@room buy now"})
    assert not await call(Notification.objects.exists)
    assert await call(member_ids, room_id=room["id"]) == {"alice"}


async def test_hostile_invitation_frames_get_4004(connect, alice):
    a = await connect(alice)
    for data in ({}, {"invitation_id": "1"}, {"invitation_id": -1}, {"invitation_id": 2**70}):
        refused = await a.request("invitation.accept", data, hostile=True)
        assert refused["data"]["code"] == 4004, (data, refused)
    assert (await a.ok("invitation.list"))["invitations"] == []
