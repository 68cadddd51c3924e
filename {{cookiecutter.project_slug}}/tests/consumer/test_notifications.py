"""Mentions, replies and notifications through a real socket and the real Redis layer.

Where a test shows that someone was not notified, a later notification to the same user (a
fence) arrives first: what was published before it reaches each socket before it.
"""

import pytest

from chat import notifications
from chat.models import Membership, Notification
from tests.helpers import call
from tests.rooms import room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]


async def notified(client, message):
    """The notification.new of ``message`` (earlier ones stay queued for later checks)."""
    data = await client.expect(
        "notification.new", where=lambda d: d["notification"]["message"]["id"] == message["id"]
    )
    return data["notification"]


def unheard(client):
    """The notification.new events a client got and no step consumed."""
    return [e for e in client.events if e["event_type"] == "notification.new"]


async def fence(sender, room, *clients):
    """Mention every client's user once more and wait until each has heard it."""
    names = " ".join(f"@{c.hello['user']['username']}" for c in clients)
    message = await say(sender, room, f"fence {names}")
    for client in clients:
        await notified(client, message)


def mentions_of(user, room_id):
    return Membership.objects.get(user=user, room_id=room_id).unread_mentions


async def test_a_mention_notifies_the_member_named_and_counts_until_read(
    connect, alice, bob, carol, make_user
):
    await call(make_user, username="dave")  # exists, but not in the room
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    message = await say(a, room, "@Bob, and @dave: the plan. Mail me at alice@example.com.")

    notification = await notified(b, message)
    assert notification["kind"] == "mention"
    assert notification["room_id"] == room["id"] and notification["seq"] == message["seq"]
    assert notification["message"]["content"] == message["content"]
    await fence(a, room, c)
    assert unheard(c) == []  # Carol was not mentioned

    # Counted beside the unread count, in a new socket's hello and in room.list.
    hello_rooms = (await connect(bob)).hello["rooms"]
    assert [r["mentions"] for r in hello_rooms if r["id"] == room["id"]] == [1]
    (listed,) = (await b.ok("room.list"))["rooms"]
    assert (listed["unread"], listed["mentions"]) == (2, 1)
    (pending,) = (await b.ok("notification.list"))["notifications"]
    assert pending["id"] == notification["id"]

    await b.ok("message.read", {"room_id": room["id"], "seq": message["seq"]})
    assert await call(mentions_of, user=bob, room_id=room["id"]) == 0
    assert (await b.ok("notification.list"))["notifications"] == []
    # Nobody named dave was notified: he cannot see the room.
    assert not await call(Notification.objects.filter(user__username="dave").exists)


async def test_at_room_calls_everyone_from_an_admin_only(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    from_member = await say(b, room, "@room anyone?")
    await fence(a, room, b, c)
    assert unheard(c) == [] and unheard(a) == []
    assert from_member["content"] == "@room anyone?"

    from_admin = await say(a, room, "Standup now, @room.")
    assert (await notified(b, from_admin))["kind"] == "mention"
    assert (await notified(c, from_admin))["kind"] == "mention"
    await fence(b, room, a)
    assert unheard(a) == []  # not of one's own message


async def test_a_reply_notifies_the_author_once_and_not_oneself(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    question = await say(a, room, "Ship on Friday?")
    answer = await say(b, room, "Yes, @alice", reply_to=question["id"])
    # A reply that mentions its author notifies them once, as a mention.
    assert (await notified(a, answer))["kind"] == "mention"
    plain = await say(b, room, "Sure", reply_to=question["id"])
    assert (await notified(a, plain))["kind"] == "reply"
    own = await say(b, room, "Also this", reply_to=plain["id"])
    await fence(a, room, b)
    assert [e for e in unheard(b) if e["data"]["notification"]["message"]["id"] == own["id"]] == []
    assert await call(Notification.objects.filter(user=alice).count) == 2


async def test_mute_and_blocks_silence_notifications(connect, alice, bob, carol):
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    await b.ok("room.mute", {"room_id": room["id"], "muted": True})
    await c.ok("user.block", {"username": "alice"})
    await say(a, room, "@bob @carol look")
    # Carol hears of a mention by Bob, whom she does not block; Bob, muted, of nothing.
    await fence(b, room, c)
    assert unheard(c) == []
    assert await call(Notification.objects.filter(user=bob).exists) is False
    await b.ok("room.mute", {"room_id": room["id"], "muted": False})
    again = await say(a, room, "@bob now?")
    assert (await notified(b, again))["kind"] == "mention"


async def test_the_list_leaves_out_rooms_left_and_messages_deleted(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    kept = await room_with(a, b, name="Kept")
    left = await room_with(a, b, name="Left")
    first = await say(a, kept, "@bob one")
    second = await say(a, kept, "@bob two")
    gone = await say(a, left, "@bob three")
    for message in (first, second, gone):
        await notified(b, message)
    await a.ok("message.delete", {"message_id": first["id"]})
    await b.ok("room.leave", {"room_id": left["id"]})
    listed = (await b.ok("notification.list"))["notifications"]
    assert [n["message"]["id"] for n in listed] == [second["id"]]


async def test_the_hook_gets_every_notification_after_commit(connect, alice, bob, carol):
    heard = []

    def receiver(sender, notifications, **kwargs):
        heard.extend(notifications)

    notifications.notified.connect(receiver)
    try:
        a, b, c = await connect(alice), await connect(bob), await connect(carol)
        room = await room_with(a, b, c)
        message = await say(a, room, "@bob @carol hello")
        await notified(b, message)
        await notified(c, message)
    finally:
        notifications.notified.disconnect(receiver)
    assert sorted(user_id for user_id, _ in heard) == sorted([bob.pk, carol.pk])
    assert {data["message"]["id"] for _, data in heard} == {message["id"]}


@pytest.mark.parametrize("data", [{"x": 1}, {"limit": 5}])
async def test_hostile_notification_list_frames_get_4004(connect, alice, data):
    a = await connect(alice)
    refused = await a.request("notification.list", data, hostile=True)
    assert refused["data"]["code"] == 4004
    assert (await a.ok("notification.list")) == {"notifications": []}


def test_mentions_are_names_after_an_at_sign_outside_words_and_addresses():
    found = notifications.mentioned_names("@Bob, @carol. (@dave) x@y.com @room! @ and")
    assert found == {"bob", "carol", "dave", "room"}
    assert notifications.mentioned_names("no mentions here") == set()


async def test_a_message_naming_too_many_people_is_refused_and_nothing_is_stored(
    connect, alice, bob, carol, settings
):
    settings.CHAT = {**settings.CHAT, "MAX_MENTIONS": 2}
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c)
    refusal = await a.request(
        "message.send", {"room_id": room["id"], "content": "@bob @carol @dave @erin all of you"}
    )
    assert refusal["event_type"] == "error" and refusal["data"]["code"] == 4004, refusal
    assert "at most 2" in refusal["data"]["detail"]
    # Nothing stored, nobody notified, and the socket goes on.
    message = await say(a, room, "@bob @Bob and @carol")  # two people, named three times
    assert message["seq"] == 1
    assert (await notified(b, message))["kind"] == "mention"
    assert (await notified(c, message))["kind"] == "mention"


async def test_a_senders_notifications_stop_at_the_hourly_budget(
    connect, alice, bob, carol, make_user, settings
):
    settings.CHAT = {**settings.CHAT, "NOTIFICATIONS_PER_SENDER_PER_HOUR": 2}
    await call(make_user, username="dave")
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room = await room_with(a, b, c, members=["dave"])
    first = await say(a, room, "@bob first")
    await notified(b, first)
    # @room wants three, one is left: carol, named, goes before the crowd.
    crowd = await say(a, room, "@room and @carol in particular")
    await notified(c, crowd)
    later = await say(a, room, "@bob @carol once more")
    # Another sender's budget is their own: bob's mention of carol arrives, and after it
    # nothing of alice's can still be on its way.
    fence_message = await say(b, room, "@carol fence")
    await notified(c, fence_message)
    sent_by_alice = Notification.objects.filter(message__sender=alice)
    assert await call(sent_by_alice.count) == 2
    assert [e for e in unheard(b) + unheard(c) if e["data"]["notification"]["message"]["id"] in
            (crowd["id"], later["id"])] == []  # fmt: skip
