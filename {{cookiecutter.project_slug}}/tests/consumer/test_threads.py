"""Threads through a real socket and the real Redis channel layer: the wire, catch-up by seq,
and what hostile or mistaken frames get."""

import json

import pytest

from chat.models import Message, ThreadFollow
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def thread(connect, alice, bob):
    """A group of alice and bob, both connected, with a root of alice's: (room, root, a, b)."""
    a, b = await connect(alice), await connect(bob)
    room = (await a.ok("room.create", {"kind": "group", "name": "Team", "members": ["bob"]}))[
        "room"
    ]
    await b.expect("room.created")
    root = (await a.ok("message.send", {"room_id": room["id"], "content": "root"}))["message"]
    for client in (a, b):
        await client.expect("message.new")
    return room, root, a, b


async def test_a_reply_reaches_the_room_the_root_summary_and_the_follower(thread, alice, bob):
    room, root, a, b = thread
    data = {"room_id": room["id"], "content": "reply", "thread_root_id": root["id"]}
    sent = (await b.ok("message.send", {**data, "also_to_room": True}))["message"]
    assert (sent["thread_root_id"], sent["also_to_room"], sent["seq"]) == (root["id"], True, 2)
    assert (await a.expect("message.new"))["message"] == sent
    updated = await a.expect("thread.updated")
    assert updated["thread"]["reply_count"] == 1
    assert updated["thread"]["participant_ids"] == [bob.pk]
    notification = (await a.expect("notification.new"))["notification"]
    assert (notification["kind"], notification["message"]["id"]) == ("thread_reply", sent["id"])
    [listed] = (await a.ok("threads.list"))["threads"]
    assert (listed["root"]["id"], listed["unread"]) == (root["id"], 1)
    assert listed["root"]["thread"] == updated["thread"]
    read = await a.ok("thread.read", {"thread_root_id": root["id"], "seq": sent["seq"]})
    assert read == {
        "room_id": room["id"],
        "thread_root_id": root["id"],
        "following": True,
        "last_read_seq": 2,
    }
    unfollowed = await a.ok("thread.unfollow", {"thread_root_id": root["id"]})
    assert unfollowed["following"] is False
    assert (await a.ok("threads.list"))["threads"] == []
    assert (await a.ok("thread.follow", {"thread_root_id": root["id"]}))["following"] is True


async def test_catch_up_by_seq_returns_thread_replies_and_the_thread_reads_alone(thread):
    room, root, a, b = thread
    for content in ("in thread", "again"):
        await b.ok(
            "message.send",
            {"room_id": room["id"], "content": content, "thread_root_id": root["id"]},
        )
    await b.ok("message.send", {"room_id": room["id"], "content": "in the room"})
    caught_up = await a.ok("room.messages", {"room_id": room["id"], "after_seq": root["seq"]})
    assert [(m["seq"], m["thread_root_id"]) for m in caught_up["messages"]] == [
        (2, root["id"]),
        (3, root["id"]),
        (4, None),
    ]
    one = await a.ok("room.messages", {"room_id": room["id"], "thread_root_id": root["id"]})
    assert [m["content"] for m in one["messages"]] == ["in thread", "again"]
    changed = await a.ok("room.messages", {"room_id": room["id"], "changed_after_rev": 0})
    assert [m["id"] for m in changed["messages"]] == [root["id"]]
    assert changed["messages"][0]["thread"]["reply_count"] == 2


async def test_a_root_elsewhere_or_unseen_is_refused_and_nothing_is_stored(thread, connect, carol):
    room, root, a, b = thread
    c = await connect(carol)
    carols = (await c.ok("room.create", {"kind": "group", "name": "Carol's", "members": []}))[
        "room"
    ]
    secret = (await c.ok("message.send", {"room_id": carols["id"], "content": "secret"}))["message"]
    shared = (await a.ok("room.create", {"kind": "group", "name": "Shared", "members": ["bob"]}))[
        "room"
    ]
    there = (await a.ok("message.send", {"room_id": shared["id"], "content": "there"}))["message"]
    inner = (
        await a.ok(
            "message.send",
            {"room_id": room["id"], "content": "inner", "thread_root_id": root["id"]},
        )
    )["message"]
    stored = await call(Message.objects.count)
    for target in (secret, there, inner):
        data = {"room_id": room["id"], "content": "x", "thread_root_id": target["id"]}
        error = await b.request("message.send", data)
        assert (error["event_type"], error["data"]["code"]) == ("error", 4046), error
        assert "secret" not in json.dumps(error)
        error = await b.request(
            "room.messages", {"room_id": room["id"], "thread_root_id": target["id"]}
        )
        assert error["data"]["code"] == 4046
    for event_type in ("thread.follow", "thread.unfollow"):
        error = await b.request(event_type, {"thread_root_id": secret["id"]})
        assert error["data"]["code"] == 4041
        assert "secret" not in json.dumps(error)
    assert (await b.request("thread.follow", {"thread_root_id": inner["id"]}))["data"][
        "code"
    ] == 4046
    assert await call(Message.objects.count) == stored
    assert not await call(ThreadFollow.objects.filter(root_id=secret["id"]).exists)
    assert (await b.ok("room.list"))["rooms"]
