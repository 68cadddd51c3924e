"""chat/services/messages.py: sending, editing, deleting, read positions (reactions:
test_reactions.py).

On PostgreSQL (TEST_DATABASE_URL) message_send runs its single-statement form
(chat.sql.send_message); elsewhere the three-statement one. Both must pass these tests.
"""

import pytest
from django.db import IntegrityError, connection

from chat import exceptions, protocol, services
from chat.models import Membership, Message, Reaction, Room
from tests.domain import channel, group, make_admin, send
from tests.published import heads, published, refused, room_event

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE_KEYS = {
    "id", "room_id", "seq", "sender", "content", "html", "created_at", "client_msg_id", "reply_to",
    "edited_at", "deleted", "rev", "reactions", "attachments", "forwarded_from",
    "thread_root_id", "also_to_room", "thread",
}  # fmt: skip


@pytest.fixture
def room(alice, bob):
    return group(alice, bob)


def read_seqs(room):
    return dict(room.memberships.values_list("user__username", "last_read_seq"))


def counters(room):
    room.refresh_from_db()
    return room.last_seq, room.last_rev


# --- message_send ---------------------------------------------------------------------------


def test_message_send_stores_the_rooms_next_seq_read_by_its_sender(room, alice, bob):
    result, events = published(
        services.message_send, user=bob, room_id=room.pk, content="hi", client_msg_id="c-1"
    )
    stored = Message.objects.get()
    assert (stored.room, stored.seq, stored.sender, stored.content) == (room, 1, bob, "hi")
    assert (stored.client_msg_id, stored.reply_to, stored.rev) == ("c-1", None, 0)
    assert counters(room) == (1, 0)
    assert room.last_activity_at is not None
    assert read_seqs(room) == {"alice": 0, "bob": 1}
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_NEW, "message")]
    message = events[0].data["message"]
    assert set(message) == MESSAGE_KEYS
    assert message == result["message"]
    assert (message["id"], message["seq"], message["content"]) == (stored.pk, 1, "hi")
    assert message["sender"] == {"id": bob.pk, "username": "bob"}
    assert (message["reply_to"], message["reactions"], message["deleted"]) == (None, [], False)
    _, events = published(services.message_send, user=alice, room_id=room.pk, content="yo")
    assert events[0].data["message"]["seq"] == 2
    assert read_seqs(room) == {"alice": 2, "bob": 1}


def test_message_send_again_with_its_client_msg_id_returns_the_stored_one(room, alice):
    first, _ = published(
        services.message_send, user=alice, room_id=room.pk, content="hi", client_msg_id="c-1"
    )
    again, events = published(
        services.message_send, user=alice, room_id=room.pk, content="other", client_msg_id="c-1"
    )
    assert again == first
    assert events == []
    assert Message.objects.count() == 1
    assert counters(room) == (1, 0)  # the retry's seq was given back
    assert send(alice, room, client_msg_id="c-2").seq == 2


def test_a_client_msg_id_is_the_senders_own_in_one_room(room, alice, bob):
    other = group(alice)
    for user, target in ((alice, room), (bob, room), (alice, other)):
        _, events = published(
            services.message_send, user=user, room_id=target.pk, content="x", client_msg_id="c"
        )
        assert heads(events) == [room_event(target.pk, protocol.MESSAGE_NEW, "message")]
    assert Message.objects.count() == 3


def test_message_send_as_a_reply_carries_a_preview(room, alice, bob):
    parent = send(alice, room, "question " * 40)
    _, events = published(
        services.message_send, user=bob, room_id=room.pk, content="answer", reply_to=parent.pk
    )
    assert Message.objects.get(seq=2).reply_to == parent
    preview = events[0].data["message"]["reply_to"]
    assert set(preview) == {"id", "seq", "sender", "content", "deleted"}
    assert (preview["id"], preview["seq"], preview["deleted"]) == (parent.pk, 1, False)
    assert preview["content"] == parent.content[:200]


@pytest.mark.parametrize("reply_to", ["other room", "missing"])
def test_message_send_never_replies_into_another_room(room, alice, reply_to):
    elsewhere = send(alice, group(alice), "elsewhere")
    target = elsewhere.pk if reply_to == "other room" else elsewhere.pk + 100
    refused(
        exceptions.MessageNotFoundError,
        services.message_send,
        user=alice,
        room_id=room.pk,
        content="x",
        reply_to=target,
    )
    assert not Message.objects.filter(room=room).exists()
    assert counters(room) == (0, 0)
    assert read_seqs(room) == {"alice": 0, "bob": 0}


def test_message_send_refuses_outsiders_and_missing_rooms(room, carol):
    for room_id in (room.pk, room.pk + 100):
        refused(
            exceptions.RoomNotFoundError,
            services.message_send,
            user=carol,
            room_id=room_id,
            content="x",
        )
    assert not Message.objects.exists()
    assert counters(room) == (0, 0)


@pytest.mark.parametrize(
    ("kind", "posting_locked", "refusal"),
    [
        (Room.Kind.CHANNEL, False, "Only admins post in a broadcast channel."),
        (Room.Kind.GROUP, True, "Posting in this group is limited to admins."),
    ],
)
def test_only_admins_post_in_channels_and_posting_locked_groups(
    alice, bob, kind, posting_locked, refusal
):
    room = group(alice, bob, posting_locked=True) if posting_locked else channel(alice, bob)
    assert room.kind == kind
    raised = refused(
        exceptions.ForbiddenError, services.message_send, user=bob, room_id=room.pk, content="x"
    )
    assert raised.detail == refusal
    assert not Message.objects.exists()
    assert counters(room) == (0, 0)
    _, events = published(services.message_send, user=alice, room_id=room.pk, content="ok")
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_NEW, "message")]
    make_admin(room, bob)
    assert services.message_send(user=bob, room_id=room.pk, content="now")["message"]["seq"] == 2


# --- messages_send: the sends of one batch (chat.batches), one commit -------------------------


def test_messages_send_stores_a_batch_in_one_transaction_and_answers_each_send(
    room, alice, bob, carol
):
    other = group(alice, carol, name="Other")
    elsewhere = send(alice, other, "elsewhere")
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, connection.in_atomic_block, list(connection.savepoint_ids)))
        return execute(sql, params, many, context)

    requests = [
        {"user": alice, "room_id": other.pk, "content": "o2"},
        {"user": bob, "room_id": room.pk, "content": "r1"},
        {"user": carol, "room_id": room.pk, "content": "not hers"},
        {"user": alice, "room_id": room.pk, "content": "r2", "client_msg_id": "c-2"},
        {"user": alice, "room_id": room.pk, "content": "x", "reply_to": elsewhere.pk},
        {"user": carol, "room_id": other.pk, "content": "o3", "reply_to": elsewhere.pk},
    ]
    with connection.execute_wrapper(record):
        results, events = published(services.messages_send, requests=requests)

    assert [type(r) for r in results] == [
        dict, dict, exceptions.RoomNotFoundError, dict, exceptions.MessageNotFoundError, dict,
    ]  # fmt: skip
    answered = [(r["message"]["room_id"], r["message"]["seq"], r["message"]["content"])
                for r in results if isinstance(r, dict)]  # fmt: skip
    assert answered == [(other.pk, 2, "o2"), (room.pk, 1, "r1"), (room.pk, 2, "r2"),
                        (other.pk, 3, "o3")]  # fmt: skip
    assert results[5]["message"]["reply_to"]["id"] == elsewhere.pk
    assert results[3]["message"]["client_msg_id"] == "c-2"
    # One transaction for all of them, and no savepoint per send (a reply's notification
    # takes its own, chat.notifications).
    statements = [entry for entry in statements if not entry[0].startswith("BEGIN")]  # SQLite's
    assert statements and all(atomic for _, atomic, _ in statements)
    sends = [entry for entry in statements if 'UPDATE "chat_room"' in entry[0]]
    # PostgreSQL stores a batch of plain sends in one statement (chat.sql.send_messages);
    # other databases run a statement per send.
    assert len(sends) == (1 if connection.vendor == "postgresql" else 6)
    assert not any(any(savepoint_ids) for _, _, savepoint_ids in sends), sends
    # Each stored message told its room once, each room's in seq order; refusals told nobody.
    new = [event.data["message"] for event in events if event.event_type == protocol.MESSAGE_NEW]
    told = [(message["room_id"], message["seq"]) for message in new]
    assert sorted(told) == sorted((room_id, seq) for room_id, seq, _ in answered)
    for room_id in (room.pk, other.pk):
        seqs = [seq for told_room, seq in told if told_room == room_id]
        assert seqs == sorted(seqs)
    assert counters(room) == (2, 0)
    assert read_seqs(room) == {"alice": 2, "bob": 1}


def test_messages_send_fails_as_a_whole_on_a_database_error_and_stores_nothing(room, alice, bob):
    send(alice, room, "first", client_msg_id="taken")
    requests = [
        {"user": bob, "room_id": room.pk, "content": "lost with the batch"},
        {"user": alice, "room_id": room.pk, "content": "again", "client_msg_id": "taken"},
    ]
    # chat.batches then runs each send alone, where the repeat returns the stored message.
    refused(IntegrityError, services.messages_send, requests=requests)
    assert list(Message.objects.values_list("content", flat=True)) == ["first"]
    assert counters(room) == (1, 0)
    alone = [services.messages_send(requests=[request])[0] for request in requests]
    assert alone[1]["message"]["content"] == "first"
    assert alone[0]["message"]["seq"] == 2


def test_messages_send_of_one_is_message_send(room, alice):
    request = {"user": alice, "room_id": room.pk, "content": "a"}
    [result] = services.messages_send(requests=[request])
    assert result["message"]["seq"] == 1
    [again] = services.messages_send(
        requests=[{"user": alice, "room_id": room.pk + 100, "content": "a"}]
    )
    assert isinstance(again, exceptions.RoomNotFoundError)


# --- message_edit ---------------------------------------------------------------------------


def test_message_edit_changes_the_content_with_the_rooms_next_rev(room, alice):
    message = send(alice, room, "draft")
    result, events = published(
        services.message_edit, user=alice, message_id=message.pk, content="final"
    )
    message.refresh_from_db()
    assert (message.content, message.rev, message.seq) == ("final", 1, 1)
    assert message.edited_at is not None
    assert counters(room) == (1, 1)
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_EDITED, "message")]
    edited = events[0].data["message"]
    assert edited == result["message"]
    assert (edited["content"], edited["rev"]) == ("final", 1)
    assert edited["edited_at"] == message.edited_at.isoformat()


def test_message_edit_to_the_same_content_changes_nothing(room, alice):
    message = send(alice, room, "same")
    result, events = published(
        services.message_edit, user=alice, message_id=message.pk, content="same"
    )
    assert events == []
    assert (result["message"]["rev"], result["message"]["edited_at"]) == (0, None)
    assert counters(room) == (1, 0)


# --- message_delete -------------------------------------------------------------------------


@pytest.mark.parametrize(("hard", "kept"), [(False, "secret"), (True, "")])
def test_message_delete_keeps_the_seq_and_sends_no_content(room, alice, bob, settings, hard, kept):
    settings.CHAT = {**settings.CHAT, "HARD_DELETE": hard}
    message = send(bob, room, "secret")
    services.message_react(user=alice, message_id=message.pk, emoji="👍")
    result, events = published(services.message_delete, user=bob, message_id=message.pk)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert (message.seq, message.rev, message.content) == (1, 2, kept)
    assert not Reaction.objects.exists()
    assert counters(room) == (1, 2)
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_DELETED, "message")]
    deleted = events[0].data["message"]
    assert deleted == result["message"]
    assert (deleted["deleted"], deleted["content"], deleted["reactions"]) == (True, "", [])


def test_message_delete_by_a_room_admin(room, alice, bob):
    message = send(bob, room)
    _, events = published(services.message_delete, user=alice, message_id=message.pk)
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_DELETED, "message")]
    assert Message.objects.get().deleted_at is not None


def test_message_delete_again_changes_nothing(room, alice):
    message = send(alice, room)
    first = services.message_delete(user=alice, message_id=message.pk)
    again, events = published(services.message_delete, user=alice, message_id=message.pk)
    assert (again, events) == (first, [])
    assert counters(room) == (1, 1)


# --- refusals of message_edit, message_delete, message_react -------------------------------

CHANGES = {
    services.message_edit: {"content": "x"},
    services.message_delete: {},
    services.message_react: {"emoji": "👍"},
}


@pytest.mark.parametrize(
    ("service", "actor", "target", "error"),
    [
        # Only the sender edits: not even the room's admin.
        (services.message_edit, "alice", "bob's", exceptions.ForbiddenError),
        (services.message_edit, "bob", "deleted", exceptions.MessageNotFoundError),
        # The sender or an admin deletes: not another member.
        (services.message_delete, "bob", "alice's", exceptions.ForbiddenError),
        (services.message_react, "bob", "deleted", exceptions.MessageNotFoundError),
        # Outside the room a message is missing, not forbidden: its existence is not revealed.
        *[(service, "carol", "alice's", exceptions.MessageNotFoundError) for service in CHANGES],
        *[(service, "bob", "missing", exceptions.MessageNotFoundError) for service in CHANGES],
    ],
)
def test_message_change_refusals_change_nothing(
    room, alice, bob, carol, service, actor, target, error
):
    users = {"alice": alice, "bob": bob, "carol": carol}
    messages = {"alice's": send(alice, room), "bob's": send(bob, room), "deleted": send(bob, room)}
    services.message_delete(user=bob, message_id=messages["deleted"].pk)
    message_id = messages[target].pk if target in messages else 10_000
    fields = ("content", "edited_at", "deleted_at", "rev")
    before = list(Message.objects.order_by("seq").values_list(*fields))
    refused(error, service, user=users[actor], message_id=message_id, **CHANGES[service])
    assert list(Message.objects.order_by("seq").values_list(*fields)) == before
    assert not Reaction.objects.exists()
    assert counters(room) == (3, 1)


# --- message_read ---------------------------------------------------------------------------


def test_message_read_moves_forward_only_and_tells_the_room(room, alice, bob):
    for _ in range(3):
        send(alice, room)
    result, events = published(services.message_read, user=bob, room_id=room.pk, seq=2)
    assert result == {
        "room_id": room.pk,
        "user": {"id": bob.pk, "username": "bob"},
        "last_read_seq": 2,
    }
    assert read_seqs(room)["bob"] == 2
    # No device of Bob's had acknowledged them: the room learns they were delivered too.
    assert heads(events) == [
        room_event(room.pk, protocol.ROOM_READ, "room_id", "user", "last_read_seq"),
        room_event(room.pk, protocol.ROOM_DELIVERED, "last_delivered_seq", "room_id", "user"),
    ]
    assert events[0].data == result
    assert events[1].data["last_delivered_seq"] == 2
    for seq in (1, 2):  # never back, and not again
        result, events = published(services.message_read, user=bob, room_id=room.pk, seq=seq)
        assert (result["last_read_seq"], events) == (2, [])
    assert read_seqs(room)["bob"] == 2


def test_message_read_stops_at_the_rooms_last_seq(room, alice, bob):
    send(alice, room)
    result, events = published(services.message_read, user=bob, room_id=room.pk, seq=99)
    assert result["last_read_seq"] == 1
    assert events[0].data["last_read_seq"] == 1
    assert Membership.objects.get(room=room, user=bob).last_read_seq == 1


def test_message_read_refuses_outsiders(room, alice, carol):
    send(alice, room)
    refused(exceptions.RoomNotFoundError, services.message_read, user=carol, room_id=room.pk, seq=1)
    assert read_seqs(room) == {"alice": 1, "bob": 0}


# --- what notifications cost the send path --------------------------------------------------


# The notification table as SQL names it (a user's push_notifications column is no notification).
NOTIFICATION_TABLE = '"chat_notification"'


def test_a_message_mentioning_no_one_costs_the_send_path_nothing_more(room, alice, bob):
    """Notifications are decided after the message is stored, and only for messages that
    mention someone or reply to someone else: the others run not one statement more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent = send(alice, room)
    for content, reply_to in (("plain words, an email a@b.example", None), ("mine", None)):
        with CaptureQueriesContext(connection) as plain:
            services.message_send(user=alice, room_id=room.pk, content=content, reply_to=reply_to)
        assert not [q for q in plain.captured_queries if NOTIFICATION_TABLE in q["sql"]]
    with CaptureQueriesContext(connection) as own_reply:
        services.message_send(user=alice, room_id=room.pk, content="more", reply_to=parent.pk)
    assert not [q for q in own_reply.captured_queries if NOTIFICATION_TABLE in q["sql"]]
    assert len(own_reply.captured_queries) == len(plain.captured_queries) + 1  # the parent

    with CaptureQueriesContext(connection) as mention:
        services.message_send(user=alice, room_id=room.pk, content="@bob look")
    assert [q for q in mention.captured_queries if NOTIFICATION_TABLE in q["sql"]]
