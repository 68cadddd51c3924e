"""Blocks, reports and bans through a real socket and the real Redis channel layer."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chat.models import Block, Membership, Message, Report, RoomBan
from tests.helpers import call
from tests.rooms import create_room, room_with

pytestmark = [pytest.mark.django_db(transaction=True)]


# --- Blocks ---------------------------------------------------------------------------------


async def test_blocked_user_cannot_post_in_the_direct_room_which_stays(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, kind="direct")
    await a.ok("message.send", {"room_id": room["id"], "content": "before"})
    assert (await b.expect("message.new"))["message"]["content"] == "before"
    blocked = await b.ok("user.block", {"username": "alice"})
    assert blocked == {"user": {"id": alice.pk, "username": "alice"}}
    assert (await b.expect("user.blocked"))["user"]["username"] == "alice"

    refused = await a.request("message.send", {"room_id": room["id"], "content": "still there?"})
    assert refused["data"]["code"] == 4030
    assert "blocked you" in refused["data"]["detail"]
    await b.silent("message.new")
    assert await call(Message.objects.filter(room_id=room["id"]).count) == 1
    # The room stays, history readable by both; the blocker may still write.
    history = await a.ok("room.messages", {"room_id": room["id"]})
    assert [m["content"] for m in history["messages"]] == ["before"]
    sent = await b.ok("message.send", {"room_id": room["id"], "content": "goodbye"})
    new = await a.expect("message.new", where=lambda d: d["message"]["sender"]["id"] == bob.pk)
    assert new["message"] == sent["message"]
    # The connection survives the refusal.
    await a.ok("session.heartbeat")


async def test_unblock_lets_direct_messages_through_again(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, kind="direct")
    await b.ok("user.block", {"username": "alice"})
    assert (await b.ok("user.blocks"))["users"] == [{"id": alice.pk, "username": "alice"}]
    await b.ok("user.unblock", {"username": "alice"})
    assert (await b.expect("user.unblocked"))["user"]["username"] == "alice"
    assert (await b.ok("user.blocks"))["users"] == []
    await a.ok("message.send", {"room_id": room["id"], "content": "friends again"})
    assert (await b.expect("message.new"))["message"]["content"] == "friends again"


async def test_blocked_user_cannot_open_a_direct_room_but_the_blocker_can(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    await b.ok("user.block", {"username": "alice"})
    refused = await a.request("room.create", {"kind": "direct", "members": ["bob"]})
    assert refused["data"]["code"] == 4030
    assert not await call(Membership.objects.filter(user=alice).exists)
    # Bob opens the room himself: Alice is in it but still cannot post.
    room = await create_room(b, kind="direct", members=["alice"])
    refused = await a.request("message.send", {"room_id": room["id"], "content": "hi"})
    assert refused["data"]["code"] == 4030


async def test_block_leaves_group_rooms_alone_and_every_socket_lists_it(connect, alice, bob, carol):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, members=["carol"])
    await b.ok("user.block", {"username": "alice"})
    sent = await a.ok("message.send", {"room_id": room["id"], "content": "team news"})
    assert sent["message"]["content"] == "team news"
    again = await connect(bob)
    assert (await again.ok("user.blocks"))["users"] == [{"id": alice.pk, "username": "alice"}]


@pytest.mark.parametrize(
    ("event_type", "data", "code"),
    [
        ("user.block", {"username": "bob"}, 4004),  # oneself
        ("user.block", {"username": "nobody"}, 4042),
        ("user.block", {"username": ""}, 4004),
        ("user.block", {"username": "x" * 151}, 4004),
        ("user.block", {"username": 7}, 4004),
        ("user.block", {"username": "a\ud800"}, 4004),
        ("user.block", {}, 4004),
        ("user.block", {"username": "alice", "extra": 1}, 4004),
        ("user.unblock", {"username": "nobody"}, 4042),
        ("user.unblock", {"username": None}, 4004),
        ("user.blocks", {"all": True}, 4004),
    ],
)
async def test_hostile_block_frames_get_errors_and_change_nothing(
    connect, alice, bob, event_type, data, code
):
    b = await connect(bob)
    reply = await b.request(event_type, data, hostile=True)
    assert reply["event_type"] == "error"
    assert reply["data"]["code"] == code
    assert not await call(Block.objects.exists)
    await b.ok("session.heartbeat")


# --- Reports --------------------------------------------------------------------------------


async def test_report_reaches_every_admin_socket_and_no_one_else(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    second_admin_device = await connect(alice)
    room = await room_with(a, b, c, second_admin_device)
    sent = await c.ok("message.send", {"room_id": room["id"], "content": "buy pills"})
    reply = await b.ok("message.report", {"message_id": sent["message"]["id"], "reason": "spam"})
    assert reply["message_id"] == sent["message"]["id"]
    for device in (a, second_admin_device):
        report = (await device.expect("message.reported"))["report"]
        assert report["id"] == reply["report_id"]
        assert report["reason"] == "spam"
        assert report["reporter"]["username"] == "bob"
        assert report["message"]["content"] == "buy pills"
    await b.silent("message.reported")
    await c.silent("message.reported")
    stored = await call(Report.objects.select_related("reporter").get, pk=reply["report_id"])
    assert (stored.reporter, stored.reason, stored.message_id) == (
        bob,
        "spam",
        sent["message"]["id"],
    )
    # Reporting again returns the first report and tells nobody twice.
    again = await b.ok("message.report", {"message_id": sent["message"]["id"], "reason": "x"})
    assert again["report_id"] == reply["report_id"]
    await a.silent("message.reported")
    assert await call(Report.objects.count) == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"reason": "spam"}, 4004),
        ({"message_id": 1, "reason": ""}, 4004),
        ({"message_id": 1, "reason": "   "}, 4004),
        ({"message_id": 1, "reason": "x" * 501}, 4004),
        ({"message_id": 1, "reason": "a\x00b"}, 4004),
        ({"message_id": 0, "reason": "spam"}, 4004),
        ({"message_id": 2**63, "reason": "spam"}, 4004),
        ({"message_id": "1", "reason": "spam"}, 4004),
        ({"message_id": 999_999, "reason": "spam"}, 4041),
    ],
)
async def test_hostile_report_frames_get_errors_and_store_nothing(connect, alice, bob, data, code):
    b = await connect(bob)
    reply = await b.request("message.report", data, hostile=True)
    assert reply["data"]["code"] == code
    assert not await call(Report.objects.exists)
    await b.ok("session.heartbeat")


async def test_own_and_deleted_messages_cannot_be_reported(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    own = await b.ok("message.send", {"room_id": room["id"], "content": "mine"})
    refused = await b.request("message.report", {"message_id": own["message"]["id"], "reason": "x"})
    assert refused["data"]["code"] == 4004
    gone = await a.ok("message.send", {"room_id": room["id"], "content": "oops"})
    await a.ok("message.delete", {"message_id": gone["message"]["id"]})
    refused = await b.request(
        "message.report", {"message_id": gone["message"]["id"], "reason": "x"}
    )
    assert refused["data"]["code"] == 4041
    assert not await call(Report.objects.exists)


# --- Bans -----------------------------------------------------------------------------------


async def test_banned_member_is_removed_and_cannot_rejoin_a_public_channel(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await create_room(a, members=["bob"], kind="channel", is_public=True)
    await b.expect("room.created")
    banned = await a.ok("room.ban", {"room_id": room["id"], "username": "bob", "reason": "spam"})
    assert banned == {"room_id": room["id"], "user": {"id": bob.pk, "username": "bob"}}
    assert await b.expect("room.removed") == {"room_id": room["id"], "reason": "banned"}
    assert (await a.expect("room.members_removed"))["user_ids"] == [bob.pk]
    await a.ok("message.send", {"room_id": room["id"], "content": "after the ban"})
    await b.silent("message.new")
    refused = await b.request("room.join", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4030
    assert "banned" in refused["data"]["detail"]
    refused = await a.request("room.add_members", {"room_id": room["id"], "members": ["bob"]})
    assert refused["data"]["code"] == 4030
    assert not await call(Membership.objects.filter(room_id=room["id"], user=bob).exists)
    bans = await a.ok("room.bans", {"room_id": room["id"]})
    assert [
        (x["user"]["username"], x["banned_by"]["username"], x["reason"]) for x in bans["bans"]
    ] == [("bob", "alice", "spam")]
    await a.ok("room.unban", {"room_id": room["id"], "username": "bob"})
    assert (await b.ok("room.join", {"room_id": room["id"]}))["room"]["id"] == room["id"]


async def test_ban_rules(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    await a.ok("room.update", {"room_id": room["id"], "admins": ["alice", "bob"]})
    # A member cannot ban; an admin cannot ban the owner or another admin; nobody bans themselves.
    assert (await c.request("room.ban", {"room_id": room["id"], "username": "bob"}))["data"][
        "code"
    ] == 4030
    assert (await b.request("room.ban", {"room_id": room["id"], "username": "alice"}))["data"][
        "code"
    ] == 4030
    assert (await a.request("room.ban", {"room_id": room["id"], "username": "alice"}))["data"][
        "code"
    ] == 4004
    assert (await c.request("room.bans", {"room_id": room["id"]}))["data"]["code"] == 4030
    assert (await c.request("room.unban", {"room_id": room["id"], "username": "carol"}))["data"][
        "code"
    ] == 4030
    direct = await create_room(a, kind="direct", members=["carol"])
    refused = await a.request("room.ban", {"room_id": direct["id"], "username": "carol"})
    assert refused["data"]["code"] == 4030
    assert not await call(RoomBan.objects.exists)
    assert await call(Membership.objects.filter(room_id=room["id"]).count) == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"username": "bob"}, 4004),
        ({"room_id": 1}, 4004),
        ({"room_id": -1, "username": "bob"}, 4004),
        ({"room_id": 2**63, "username": "bob"}, 4004),
        ({"room_id": True, "username": "bob"}, 4004),
        ({"room_id": "ROOM", "username": "alice"}, 4004),  # oneself
        ({"room_id": "ROOM", "username": "bob", "reason": "x" * 501}, 4004),
        ({"room_id": "ROOM", "username": ["bob"]}, 4004),
        ({"room_id": "ROOM", "username": "nobody"}, 4042),
        ({"room_id": 999_999, "username": "bob"}, 4040),
    ],
)
async def test_hostile_ban_frames_get_errors_and_change_nothing(connect, alice, bob, data, code):
    a = await connect(alice)
    room = await room_with(a, members=["bob"])
    data = {key: room["id"] if value == "ROOM" else value for key, value in data.items()}
    reply = await a.request("room.ban", data, hostile=True)
    assert reply["data"]["code"] == code
    assert not await call(RoomBan.objects.exists)
    assert await call(Membership.objects.filter(room_id=room["id"]).count) == 2
    await a.ok("session.heartbeat")


# --- The Django admin -----------------------------------------------------------------------


def admin_post(url_name, data, *args, expect_status=302):
    """POST to the Django admin as a superuser, as a moderator's browser does."""
    moderator = get_user_model().objects.filter(username="moderator").first()
    if moderator is None:
        moderator = get_user_model().objects.create_superuser("moderator", "m@example.com", "pw")
    client = Client()
    client.force_login(moderator)
    response = client.post(reverse(url_name, args=args), data)
    assert response.status_code == expect_status, response.content[:500]
    return response


async def carol_reported_by_bob(connect, alice, bob, carol):
    """Alice's group room, where Bob reports Carol's message: sockets, room, message, report."""
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    sent = await c.ok("message.send", {"room_id": room["id"], "content": "rude"})
    reply = await b.ok("message.report", {"message_id": sent["message"]["id"], "reason": "rude"})
    return (a, b, c), room, sent, reply


async def test_admin_ban_of_a_reported_sender_reaches_their_socket_at_once(
    connect, alice, bob, carol
):
    (a, b, c), room, sent, reply = await carol_reported_by_bob(connect, alice, bob, carol)
    await call(
        admin_post,
        url_name="admin:chat_report_changelist",
        data={"action": "ban_senders", "_selected_action": [reply["report_id"]]},
    )
    assert await c.expect("room.removed") == {"room_id": room["id"], "reason": "banned"}
    assert await call(RoomBan.objects.filter(room_id=room["id"], user=carol).exists)
    report = await call(Report.objects.get, pk=reply["report_id"])
    assert report.resolved_at is not None and report.resolution == "sender banned"
    refused = await c.request("room.join", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4040  # a private group: out of it, it is not even seen


async def test_admin_deletes_a_reported_message_in_place(connect, alice, bob, carol):
    (a, b, c), room, sent, reply = await carol_reported_by_bob(connect, alice, bob, carol)
    await call(
        admin_post,
        url_name="admin:chat_report_changelist",
        data={"action": "delete_reported_messages", "_selected_action": [reply["report_id"]]},
    )
    for client in (a, b, c):
        deleted = (await client.expect("message.deleted"))["message"]
        assert deleted["id"] == sent["message"]["id"] and deleted["content"] == ""
    message = await call(Message.objects.get, pk=sent["message"]["id"])
    assert message.deleted_at is not None and message.seq == sent["message"]["seq"]


async def test_admin_membership_changes_reach_sockets_at_once(connect, alice, bob, carol):
    a, c = await connect(alice), await connect(carol)
    room = await room_with(a, members=["bob"])
    membership = await call(Membership.objects.get, room_id=room["id"], user=bob)
    await call(
        admin_post,
        url_name="admin:chat_membership_changelist",
        data={"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    b = await connect(bob)
    assert all(r["id"] != room["id"] for r in b.hello["rooms"])
    assert (await a.expect("room.members_removed"))["user_ids"] == [bob.pk]
    await call(
        admin_post,
        url_name="admin:chat_membership_add",
        data={"room": room["id"], "user": carol.pk, "role": "member", "last_read_seq": 0},
    )
    assert (await c.expect("room.created"))["room"]["id"] == room["id"]
    await a.ok("message.send", {"room_id": room["id"], "content": "welcome"})
    assert (await c.expect("message.new"))["message"]["content"] == "welcome"


async def test_admin_ban_removes_the_member_at_once(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    await call(
        admin_post,
        url_name="admin:chat_roomban_add",
        data={"room": room["id"], "user": bob.pk, "reason": "spam"},
    )
    assert await b.expect("room.removed") == {"room_id": room["id"], "reason": "banned"}
    refused = await b.request("room.messages", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4040

    # Adding him back in the admin is refused while the ban stands, with the reason shown.
    page = await call(
        admin_post,
        url_name="admin:chat_membership_add",
        data={"room": room["id"], "user": bob.pk, "role": "member", "last_read_seq": 0},
        expect_status=200,
    )
    assert b"bob is banned from this room" in page.content
    assert not await call(Membership.objects.filter(room_id=room["id"], user=bob).exists)


def admin_change_role(membership_id, role):
    membership = Membership.objects.get(pk=membership_id)
    data = {
        "room": membership.room_id,
        "user": membership.user_id,
        "role": role,
        "last_read_seq": membership.last_read_seq,
    }
    admin_post("admin:chat_membership_change", data, membership_id)


async def test_admin_role_change_and_room_deletion_reach_sockets_at_once(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    membership = await call(Membership.objects.get, room_id=room["id"], user=bob)
    await call(admin_change_role, membership_id=membership.pk, role="admin")
    updated = await b.expect("room.updated")
    # The event names whose role changed, not the whole member list.
    assert updated["roles"] == [{"id": bob.pk, "username": "bob", "role": "admin"}]
    await call(
        admin_post,
        url_name="admin:chat_room_changelist",
        data={"action": "delete_selected", "_selected_action": [room["id"]], "post": "yes"},
    )
    for client in (a, b):
        assert await client.expect("room.deleted") == {"room_id": room["id"]}
    refused = await b.request("room.messages", {"room_id": room["id"]})
    assert refused["data"]["code"] == 4040
