"""chat/selectors/messages.py: history pages by seq or rev cursor, and single messages."""

import pytest

from chat import exceptions, selectors, services
from chat.models import Message
from tests.domain import channel, group, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice, bob):
    """alice and bob's group with seven messages, seq 1 to 7; pages hold at most three."""
    room = group(alice, bob)
    for number in range(1, 8):
        send(alice if number % 2 else bob, room, f"m{number}")
    return room


@pytest.fixture(autouse=True)
def page_max(settings):
    settings.CHAT = {**settings.CHAT, "PAGE_MAX": 3}


def page(user, room, **cursor):
    """Return (seqs, has_more) of one page of ``room`` as ``user`` reads it."""
    result = selectors.room_messages(user=user, room_id=room.pk, **cursor)
    return [m["seq"] for m in result["messages"]], result["has_more"]


def message(room, seq):
    return Message.objects.get(room=room, seq=seq)


# --- room_messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cursor", "seqs", "has_more"),
    [
        ({}, [5, 6, 7], True),  # the newest page
        ({"limit": 2}, [6, 7], True),
        ({"limit": 50}, [5, 6, 7], True),  # capped by PAGE_MAX
        ({"before_seq": 5}, [2, 3, 4], True),  # scrolling back: oldest first
        ({"before_seq": 4}, [1, 2, 3], False),
        ({"before_seq": 2}, [1], False),
        ({"before_seq": 1}, [], False),
        ({"after_seq": 0}, [1, 2, 3], True),  # catching up: oldest first
        ({"after_seq": 4}, [5, 6, 7], False),
        ({"after_seq": 6, "limit": 1}, [7], False),
        ({"after_seq": 7}, [], False),
    ],
)
def test_room_messages_pages_by_seq(room, bob, cursor, seqs, has_more):
    assert page(bob, room, **cursor) == (seqs, has_more)


def test_room_messages_walks_back_through_the_whole_history(room, bob):
    seen, cursor = [], {}
    while True:
        seqs, has_more = page(bob, room, **cursor)
        seen[:0] = seqs
        if not has_more:
            break
        cursor = {"before_seq": seqs[0]}
    assert seen == list(range(1, 8))


def test_room_messages_by_changed_after_rev_in_rev_order(room, alice, bob):
    services.message_edit(user=bob, message_id=message(room, 2).pk, content="m2!")  # rev 1
    services.message_react(user=bob, message_id=message(room, 5).pk, emoji="👍")  # rev 2
    services.message_delete(user=alice, message_id=message(room, 3).pk)  # rev 3
    services.message_edit(user=bob, message_id=message(room, 2).pk, content="m2!!")  # rev 4
    result = selectors.room_messages(user=bob, room_id=room.pk, changed_after_rev=0)
    assert [(m["seq"], m["rev"]) for m in result["messages"]] == [(5, 2), (3, 3), (2, 4)]
    assert (result["has_more"], result["last_seq"], result["last_rev"]) == (False, 7, 4)
    changed = {m["seq"]: m for m in result["messages"]}
    assert (changed[3]["deleted"], changed[3]["content"]) == (True, "")
    assert changed[5]["reactions"] == [
        {"emoji": "👍", "count": 1, "users": [{"id": bob.pk, "username": "bob"}], "me": True}
    ]
    assert changed[2]["content"] == "m2!!"
    assert page(bob, room, changed_after_rev=0, limit=2) == ([5, 3], True)
    assert page(bob, room, changed_after_rev=3) == ([2], False)
    assert page(bob, room, changed_after_rev=4) == ([], False)


def test_room_messages_gives_the_rooms_positions(room, bob):
    result = selectors.room_messages(user=bob, room_id=room.pk)
    assert set(result) == {"room_id", "messages", "has_more", "last_seq", "last_rev"}
    assert (result["room_id"], result["last_seq"], result["last_rev"]) == (room.pk, 7, 0)
    assert [m["content"] for m in result["messages"]] == ["m5", "m6", "m7"]


def test_room_messages_refuses_two_cursors(room, bob):
    for cursors in (
        {"after_seq": 1, "before_seq": 5},
        {"after_seq": 1, "around_seq": 3},
        {"before_seq": 5, "around_seq": 3},
    ):
        with pytest.raises(exceptions.InvalidPayloadError):
            selectors.room_messages(user=bob, room_id=room.pk, **cursors)


@pytest.mark.parametrize(
    ("around_seq", "limit", "expected"),
    [
        (4, 3, ([3, 4, 5], True)),  # half before it, the rest from it (PAGE_MAX is 3)
        (4, 2, ([3, 4], True)),
        (2, 3, ([1, 2, 3], False)),  # little older: more of the newer ones
        (1, 3, ([1, 2, 3], False)),
        (7, 3, ([5, 6, 7], True)),  # the newest: more of the older ones
        (50, 3, ([5, 6, 7], True)),  # past the end: the newest page
    ],
)
def test_room_messages_around_a_seq(room, bob, around_seq, limit, expected):
    assert page(bob, room, around_seq=around_seq, limit=limit) == expected


def test_room_messages_around_a_seq_only_for_readers(room, carol):
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.room_messages(user=carol, room_id=room.pk, around_seq=3)


def test_room_messages_only_for_members_and_public_channels(room, alice, carol):
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.room_messages(user=carol, room_id=room.pk)
    private = channel(alice, is_public=False)
    send(alice, private)
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.room_messages(user=carol, room_id=private.pk)
    public = channel(alice)
    send(alice, public, "open")
    assert page(carol, public) == ([1], False)


def test_room_messages_in_a_fixed_number_of_queries(room, alice, bob, django_assert_num_queries):
    for seq in (5, 6, 7):
        services.message_react(user=bob, message_id=message(room, seq).pk, emoji="👍")
        send(alice, room, "reply", reply_to=message(room, seq).pk)
    # The room, the messages with their senders and replies, their reactions, their
    # attachments: however many.
    with django_assert_num_queries(4):
        selectors.room_messages(user=bob, room_id=room.pk, before_seq=2)
    with django_assert_num_queries(4):
        selectors.room_messages(user=bob, room_id=room.pk, after_seq=4)


# --- message_data, with_reactions, message_payloads -----------------------------------------


def test_message_data_is_the_message_as_it_is_now(room, alice, bob, django_assert_num_queries):
    parent = message(room, 7)
    reply = send(bob, room, "re", reply_to=parent.pk)
    services.message_react(user=alice, message_id=reply.pk, emoji="🎉")
    services.message_delete(user=alice, message_id=parent.pk)
    with django_assert_num_queries(3):
        data = selectors.message_data(reply.pk)
    payload = data["message"]
    assert (payload["id"], payload["seq"], payload["content"], payload["rev"]) == (
        reply.pk, 8, "re", 1,
    )  # fmt: skip
    # Made for no one reader (the room's events): no "me".
    assert payload["reactions"] == [
        {"emoji": "🎉", "count": 1, "users": [{"id": alice.pk, "username": "alice"}]}
    ]
    assert payload["reply_to"] == {
        "id": parent.pk,
        "seq": 7,
        "sender": {"id": alice.pk, "username": "alice"},
        "content": "",
        "deleted": True,
    }


def test_message_payloads_of_with_reactions_keep_the_querysets_order(room):
    messages = selectors.with_reactions(Message.objects.filter(room=room).order_by("-seq"))
    payloads = selectors.message_payloads(messages)
    assert [p["seq"] for p in payloads] == [7, 6, 5, 4, 3, 2, 1]
    assert all(p["reactions"] == [] and p["reply_to"] is None for p in payloads)


# --- message_for_member ---------------------------------------------------------------------


def test_message_for_member_returns_the_message_and_the_membership(room, bob):
    found, membership = selectors.message_for_member(bob, message(room, 1).pk)
    assert (found.seq, found.content) == (1, "m1")
    assert (membership.user, membership.room_id) == (bob, room.pk)


def test_message_for_member_reports_other_rooms_messages_as_missing(room, alice, carol):
    public = channel(alice)
    in_public = send(alice, public)
    for message_id in (message(room, 1).pk, in_public.pk, 10_000):
        with pytest.raises(exceptions.MessageNotFoundError):
            selectors.message_for_member(carol, message_id)
