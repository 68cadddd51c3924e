"""A block stops a harasser wherever they meet the blocker, through real sockets.

bob is blocked by dave (here: carol blocks bob; alice owns the rooms). Beyond direct messages
(tests/consumer/test_moderation.py) and edits (test_editing_rights.py): no reactions on the
blocker's messages, no typing shown to the blocker, no putting the blocker in rooms.
"""

import pytest

from chat.models import Membership, Reaction
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


async def group_of(client, *members, name="Team"):
    data = {"kind": "group", "name": name, "members": list(members)}
    return (await client.ok("room.create", data))["room"]


async def in_room(room, *clients):
    for client in clients:
        await client.expect("room.created", where=lambda data: data["room"]["id"] == room["id"])


@pytest.fixture
async def team(connect, alice, bob, carol):
    """alice's group of alice, bob and carol, where carol blocks bob; their sockets."""
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await group_of(a, "bob", "carol")
    await in_room(room, a, b, c)
    await c.ok("user.block", {"username": "bob"})
    await c.expect("user.blocked")
    return room, a, b, c


async def test_the_blocked_user_cannot_react_to_the_blockers_messages(team, bob):
    room, a, b, c = team
    hers = (await c.ok("message.send", {"room_id": room["id"], "content": "hi"}))["message"]
    refused = await b.request("message.react", {"message_id": hers["id"], "emoji": "🤬"})
    assert refused["data"]["code"] == 4030
    assert "blocked" not in refused["data"]["detail"]
    await c.silent("message.reactions")
    assert not await call(Reaction.objects.filter(user=bob).exists)
    # Others' messages still take his reactions; the socket stays open.
    alices = (await a.ok("message.send", {"room_id": room["id"], "content": "yo"}))["message"]
    await b.ok("message.react", {"message_id": alices["id"], "emoji": "👍"})
    await b.ok("session.heartbeat")


async def test_a_blocked_peer_cannot_react_in_the_direct_room(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = (await b.ok("room.create", {"kind": "direct", "members": ["alice"]}))["room"]
    await a.expect("room.created")
    his = (await b.ok("message.send", {"room_id": room["id"], "content": "hey"}))["message"]
    await a.ok("user.block", {"username": "bob"})
    refused = await b.request("message.react", {"message_id": his["id"], "emoji": "😈"})
    assert refused["data"]["code"] == 4030
    await a.silent("message.reactions")


async def test_the_blocked_users_typing_does_not_reach_the_blocker(team, connect, bob, carol):
    room, a, b, c = team
    later = await connect(carol)  # A socket opened after the block knows it from the start.
    await b.ok("message.typing", {"room_id": room["id"], "is_typing": True})
    typing = await a.expect("room.typing")
    assert typing["user"]["id"] == bob.pk
    await c.silent("room.typing")
    await later.silent("room.typing")
    # Lifted: his typing shows again, on every socket of hers.
    await c.ok("user.unblock", {"username": "bob"})
    await c.expect("user.unblocked")
    await later.expect("user.unblocked")
    await b.ok("message.typing", {"room_id": room["id"], "is_typing": True})
    for socket in (c, later):
        assert (await socket.expect("room.typing"))["user"]["id"] == bob.pk


async def test_the_blocked_user_cannot_put_the_blocker_in_rooms(team, carol):
    room, a, b, c = team
    await a.ok("room.update", {"room_id": room["id"], "admins": ["alice", "bob"]})
    await c.ok("room.leave", {"room_id": room["id"]})
    # Answered as if she did not exist, in creation and in additions alike.
    for event_type, data in [
        ("room.create", {"kind": "group", "name": "Hate", "members": ["carol"]}),
        ("room.create", {"kind": "channel", "name": "Hate", "members": ["alice", "carol"]}),
        ("room.add_members", {"room_id": room["id"], "members": ["carol"]}),
    ]:
        refused = await b.request(event_type, data)
        assert refused["data"]["code"] == 4042, event_type
        assert refused["data"]["detail"] == "No such users: carol."
    await c.silent("room.created")
    assert await call(Membership.objects.filter(user=carol).count) == 0
    # Anyone else still adds her.
    await a.ok("room.add_members", {"room_id": room["id"], "members": ["carol"]})
    await in_room(room, c)
