"""Threads (chat/services/threads.py, chat/selectors/threads.py): replies beside the timeline.

On SQLite the root's summary is updated through the ORM, on PostgreSQL (TEST_DATABASE_URL) in
chat.sql.send_message's one statement: every test here holds for both.
"""

import pytest

from chat import exceptions, protocol, selectors, services
from chat.models import Message, Notification, Room, ThreadFollow
from tests.domain import group, send
from tests.published import heads, published, refused, room_event, user_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice, bob, carol):
    return group(alice, bob, carol)


def reply(user, root, content="in the thread", **options):
    return send(user, Room(pk=root.room_id), content, thread_root_id=root.pk, **options)


def following(root):
    follows = ThreadFollow.objects.filter(root=root, following=True)
    return sorted(follows.values_list("user__username", flat=True))


def notified(kind):
    rows = Notification.objects.filter(kind=kind)
    return sorted(rows.values_list("user__username", flat=True))


def test_a_reply_takes_the_rooms_next_seq_and_updates_its_roots_summary(room, alice, bob):
    root = send(alice, room, "shall we?")
    result, events = published(
        services.message_send, user=bob, room_id=room.pk, content="yes", thread_root_id=root.pk
    )
    message = result["message"]
    assert (message["seq"], message["thread_root_id"], message["also_to_room"]) == (
        2,
        root.pk,
        False,
    )
    assert message["thread"] is None
    assert heads(events) == [
        room_event(room.pk, protocol.MESSAGE_NEW, "message"),
        room_event(room.pk, protocol.THREAD_UPDATED, "room_id", "thread_root_id", "rev", "thread"),
        user_event(alice.pk, protocol.NOTIFICATION_NEW, "notification"),
    ]
    assert events[2].data["notification"]["kind"] == "thread_reply"
    room.refresh_from_db()
    updated = events[1].data
    assert updated["rev"] == room.last_rev == 1
    assert updated["thread"]["reply_count"] == 1
    assert updated["thread"]["participant_ids"] == [bob.pk]
    [root_payload] = selectors.room_messages(user=alice, room_id=room.pk, changed_after_rev=0)[
        "messages"
    ]
    assert root_payload["id"] == root.pk
    assert root_payload["thread"] == updated["thread"]
    assert root_payload["thread"]["last_reply_at"] == message["created_at"]
    assert following(root) == ["alice", "bob"]


def test_participants_are_the_first_few_and_a_count_of_all(room, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "THREAD_PARTICIPANTS": 2}
    root = send(alice, room, "root")
    for user in (bob, alice, bob, carol, carol, alice):
        reply(user, root)
    root.refresh_from_db()
    assert root.thread_reply_count == 6
    assert root.thread_participant_ids == [bob.pk, alice.pk]
    assert root.thread_participant_count == 3


def test_also_to_room_is_kept_and_needs_a_thread(room, alice, bob):
    root = send(alice, room, "root")
    shown = reply(bob, root, also_to_room=True)
    assert shown.also_to_room
    refused(
        exceptions.InvalidPayloadError,
        services.message_send,
        user=bob,
        room_id=room.pk,
        content="x",
        also_to_room=True,
    )


def test_one_thread_reads_by_seq_and_catch_up_by_seq_sees_every_reply(room, alice, bob):
    root = send(alice, room, "root")
    other = send(alice, room, "other root")
    first = reply(bob, root, "first")
    send(bob, room, "in the room")
    reply(bob, other, "elsewhere")
    second = reply(alice, root, "second")
    page = selectors.room_messages(user=bob, room_id=room.pk, thread_root_id=root.pk)
    assert [m["id"] for m in page["messages"]] == [first.pk, second.pk]
    newer = selectors.room_messages(
        user=bob, room_id=room.pk, thread_root_id=root.pk, after_seq=first.seq
    )
    assert [m["id"] for m in newer["messages"]] == [second.pk]
    older = selectors.room_messages(
        user=bob, room_id=room.pk, thread_root_id=root.pk, before_seq=second.seq, limit=1
    )
    assert [m["id"] for m in older["messages"]] == [first.pk]
    caught_up = selectors.room_messages(user=bob, room_id=room.pk, after_seq=root.seq)
    assert [m["seq"] for m in caught_up["messages"]] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("case", ["other_room", "unseen_room", "a_reply", "deleted", "missing"])
def test_a_root_that_cannot_have_this_reply_is_refused_and_nothing_is_stored(
    room, alice, bob, carol, case
):
    theirs = group(carol, alice, name="Elsewhere")
    hidden = group(carol, name="Hidden")
    root = send(alice, room, "root")
    roots = {
        "other_room": lambda: send(alice, theirs, "there"),
        "unseen_room": lambda: send(carol, hidden, "secret"),
        "a_reply": lambda: reply(alice, root),
        "deleted": lambda: Message.objects.get(
            pk=services.message_delete(user=alice, message_id=root.pk)["message"]["id"]
        ),
        "missing": lambda: Message(pk=10**12),
    }
    target = roots[case]()
    before = Message.objects.count(), Room.objects.get(pk=room.pk).last_seq
    error = refused(
        exceptions.ThreadRootError,
        services.message_send,
        user=bob,
        room_id=room.pk,
        content="x",
        thread_root_id=target.pk,
    )
    assert "secret" not in error.detail
    assert (Message.objects.count(), Room.objects.get(pk=room.pk).last_seq) == before
    if case != "deleted":
        with pytest.raises(exceptions.ThreadRootError):
            selectors.room_messages(user=bob, room_id=room.pk, thread_root_id=target.pk)


def test_outsiders_neither_send_read_nor_follow(room, alice, carol, make_user):
    dave = make_user("dave")
    root = send(alice, room, "root")
    refused(
        exceptions.RoomNotFoundError,
        services.message_send,
        user=dave,
        room_id=room.pk,
        content="x",
        thread_root_id=root.pk,
    )
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.room_messages(user=dave, room_id=room.pk, thread_root_id=root.pk)
    for service in (services.thread_follow, services.thread_unfollow):
        with pytest.raises(exceptions.MessageNotFoundError):
            service(user=dave, thread_root_id=root.pk)
    with pytest.raises(exceptions.MessageNotFoundError):
        services.thread_read(user=dave, thread_root_id=root.pk, seq=1)
    assert not ThreadFollow.objects.exists()


def test_followers_hear_of_replies_unless_muted_blocking_or_unfollowed(
    room, alice, bob, carol, make_user
):
    root = send(alice, room, "root")
    reply(bob, root, "first")
    assert notified("thread_reply") == ["alice"]
    services.thread_follow(user=carol, thread_root_id=root.pk)
    reply(bob, root, "second")
    assert notified("thread_reply") == ["alice", "alice", "carol"]
    services.thread_unfollow(user=carol, thread_root_id=root.pk)
    services.room_mute(user=alice, room_id=room.pk, muted=True)
    reply(bob, root, "third")
    assert notified("thread_reply") == ["alice", "alice", "carol"]
    services.room_mute(user=alice, room_id=room.pk, muted=False)
    services.user_block(user=alice, username="bob")
    reply(bob, root, "fourth")
    assert notified("thread_reply") == ["alice", "alice", "carol"]
    reply(alice, root, "mine")
    assert notified("thread_reply") == ["alice", "alice", "bob", "carol"]


def test_a_mention_in_a_reply_follows_and_notifies_as_a_mention(room, alice, bob, carol):
    root = send(alice, room, "root")
    services.thread_unfollow(user=carol, thread_root_id=root.pk)
    reply(bob, root, "what do you think, @carol?")
    assert following(root) == ["alice", "bob", "carol"]
    assert notified("mention") == ["carol"]
    assert notified("thread_reply") == ["alice"]


def test_an_unfollowing_root_author_stays_unfollowed(room, alice, bob):
    root = send(alice, room, "root")
    services.thread_unfollow(user=alice, thread_root_id=root.pk)
    reply(bob, root)
    assert following(root) == ["bob"]
    assert notified("thread_reply") == []


def test_replies_keep_to_the_senders_notification_budget(room, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "NOTIFICATIONS_PER_SENDER_PER_HOUR": 1}
    root = send(alice, room, "root")
    services.thread_follow(user=carol, thread_root_id=root.pk)
    reply(bob, root, "@carol look")
    assert (notified("mention"), notified("thread_reply")) == (["carol"], [])


def test_threads_list_counts_unread_replies_of_others_and_thread_read_reads_them(room, alice, bob):
    root = send(alice, room, "root")
    later = send(alice, room, "later root")
    reply(bob, root, "one")
    reply(alice, root, "my own")
    two = reply(bob, root, "two")
    reply(bob, later, "newest")
    page = selectors.threads_list(user=alice)
    assert [(t["root"]["id"], t["unread"]) for t in page["threads"]] == [
        (later.pk, 1),
        (root.pk, 1),
    ]
    assert page["next_cursor"] is None
    assert page["threads"][1]["root"]["thread"]["reply_count"] == 3
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 3
    data = services.thread_read(user=alice, thread_root_id=root.pk, seq=two.seq)
    assert (data["following"], data["last_read_seq"]) == (True, two.seq)
    unread = {t["root"]["id"]: t["unread"] for t in selectors.threads_list(user=alice)["threads"]}
    assert unread == {later.pk: 1, root.pk: 0}
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1
    first = selectors.threads_list(user=alice, limit=1)
    rest = selectors.threads_list(user=alice, limit=1, cursor=first["next_cursor"])
    assert [t["root"]["id"] for t in first["threads"] + rest["threads"]] == [later.pk, root.pk]
    assert rest["next_cursor"] is None


def test_threads_list_leaves_out_rooms_one_left_and_unfollowed_threads(room, alice, bob, carol):
    root = send(alice, room, "root")
    reply(carol, root)
    services.room_leave(user=carol, room_id=room.pk)
    services.thread_unfollow(user=alice, thread_root_id=root.pk)
    assert selectors.threads_list(user=carol)["threads"] == []
    assert selectors.threads_list(user=alice)["threads"] == []


def test_a_deleted_root_keeps_its_thread_readable_and_takes_no_new_replies(room, alice, bob):
    root = send(alice, room, "root")
    kept = reply(bob, root, "kept")
    services.message_delete(user=alice, message_id=root.pk)
    page = selectors.room_messages(user=bob, room_id=room.pk, thread_root_id=root.pk)
    assert [m["content"] for m in page["messages"]] == ["kept"]
    root_payload = selectors.message_data(root.pk)["message"]
    assert (root_payload["deleted"], root_payload["content"]) == (True, "")
    assert root_payload["thread"]["reply_count"] == 1
    assert Message.objects.get(pk=kept.pk).thread_root_id == root.pk
    refused(
        exceptions.ThreadRootError,
        services.message_send,
        user=bob,
        room_id=room.pk,
        content="late",
        thread_root_id=root.pk,
    )


def test_search_finds_thread_replies_and_says_so(room, alice, bob):
    root = send(alice, room, "root")
    reply(bob, root, "the zeppelin budget")
    [result] = selectors.message_search(user=alice, query="zeppelin")["results"]
    assert result["message"]["thread_root_id"] == root.pk


def test_a_forwarded_thread_reply_becomes_a_room_message(room, alice, bob, carol):
    root = send(alice, room, "root")
    original = reply(bob, root, "worth sharing")
    elsewhere = group(alice, carol, name="Elsewhere")
    copy = services.message_forward(user=alice, message_id=original.pk, room_id=elsewhere.pk)
    assert (copy["message"]["thread_root_id"], copy["message"]["also_to_room"]) == (None, False)
    assert copy["message"]["forwarded_from"] == {"room_id": room.pk, "seq": original.seq}


def test_a_batch_of_sends_stores_thread_replies_as_single_sends_do(room, alice, bob):
    root = send(alice, room, "root")
    requests = [
        {"user": bob, "room_id": room.pk, "content": "room"},
        {"user": bob, "room_id": room.pk, "content": "thread", "thread_root_id": root.pk},
        {"user": bob, "room_id": room.pk, "content": "bad", "thread_root_id": 10**12},
    ]
    results = services.messages_send(requests=requests)
    assert results[1]["message"]["thread_root_id"] == root.pk
    assert isinstance(results[2], exceptions.ThreadRootError)
    root.refresh_from_db()
    assert root.thread_reply_count == 1
    assert [m.seq for m in Message.objects.order_by("seq")] == [1, 2, 3]


def test_a_thread_reply_cannot_be_a_root_of_follows(room, alice, bob):
    root = send(alice, room, "root")
    inner = reply(bob, root)
    with pytest.raises(exceptions.ThreadRootError):
        services.thread_follow(user=alice, thread_root_id=inner.pk)


def test_receipts_and_unread_counts_go_by_room_seq_thread_replies_included(room, alice, bob):
    root = send(alice, room, "root")
    inner = reply(bob, root, "in the thread")
    [position] = [r for r in selectors.room_list(user=alice)["rooms"] if r["id"] == room.pk]
    assert (position["unread"], position["last_seq"]) == (1, inner.seq)
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1
    services.message_read(user=alice, room_id=room.pk, seq=inner.seq)
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    [position] = [r for r in selectors.room_list(user=alice)["rooms"] if r["id"] == room.pk]
    assert position["unread"] == 0


def test_the_timeline_pages_leave_out_replies_not_sent_to_the_room(room, alice, bob):
    root = send(alice, room, "root")
    for i in range(3):
        reply(bob, root, f"hidden {i}")
    shown = reply(bob, root, "shown", also_to_room=True)
    later = send(alice, room, "later")
    page = selectors.room_messages(user=alice, room_id=room.pk, timeline=True, limit=2)
    assert [m["id"] for m in page["messages"]] == [shown.pk, later.pk]
    assert (page["has_more"], page["last_seq"]) == (True, later.seq)
    older = selectors.room_messages(
        user=alice, room_id=room.pk, timeline=True, before_seq=shown.seq
    )
    assert ([m["id"] for m in older["messages"]], older["has_more"]) == ([root.pk], False)
    with pytest.raises(exceptions.InvalidPayloadError):
        selectors.room_messages(user=alice, room_id=room.pk, timeline=True, thread_root_id=root.pk)
