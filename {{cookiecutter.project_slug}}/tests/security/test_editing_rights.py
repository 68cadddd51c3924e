"""Who may edit a message is who may post in its room now, through a real socket."""

import pytest

from chat.models import Message
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


async def room_with(client, kind, *others, **options):
    data = {"kind": kind, "name": "Team", "members": list(others), **options}
    return (await client.ok("room.create", data))["room"]


async def stored_content(message_id):
    return await call(Message.objects.values_list("content", flat=True).get, pk=message_id)


async def test_a_member_cannot_edit_once_the_group_is_locked_for_posting(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, "group", "bob")
    await b.expect("room.created")
    sent = (await b.ok("message.send", {"room_id": room["id"], "content": "hello"}))["message"]
    await a.ok("room.update", {"room_id": room["id"], "posting_locked": True})
    await a.expect("message.new")

    refused = await b.request("message.edit", {"message_id": sent["id"], "content": "spam"})
    assert refused["data"]["code"] == 4030
    assert "limited to admins" in refused["data"]["detail"]
    assert await stored_content(sent["id"]) == "hello"
    await a.silent("message.edited")
    # The admin still edits her own messages; the refused member's socket stays open.
    mine = (await a.ok("message.send", {"room_id": room["id"], "content": "rules"}))["message"]
    await a.ok("message.edit", {"message_id": mine["id"], "content": "new rules"})
    await b.ok("session.heartbeat")


async def test_a_demoted_channel_admin_cannot_edit_what_they_posted(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, "channel", "bob")
    await b.expect("room.created")
    await a.ok("room.update", {"room_id": room["id"], "admins": ["alice", "bob"]})
    sent = (await b.ok("message.send", {"room_id": room["id"], "content": "news"}))["message"]
    await a.ok("room.update", {"room_id": room["id"], "admins": ["alice"]})

    refused = await b.request("message.edit", {"message_id": sent["id"], "content": "fake"})
    assert refused["data"]["code"] == 4030
    assert "broadcast channel" in refused["data"]["detail"]
    assert await stored_content(sent["id"]) == "news"


async def test_a_blocked_peer_cannot_edit_old_direct_messages(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = (await a.ok("room.create", {"kind": "direct", "members": ["bob"]}))["room"]
    await b.expect("room.created")
    sent = (await b.ok("message.send", {"room_id": room["id"], "content": "hi"}))["message"]
    await a.expect("message.new")
    await a.ok("user.block", {"username": "bob"})

    refused = await b.request("message.edit", {"message_id": sent["id"], "content": "abuse"})
    assert refused["data"]["code"] == 4030
    assert "blocked you" in refused["data"]["detail"]
    await a.silent("message.edited")
    assert await stored_content(sent["id"]) == "hi"
