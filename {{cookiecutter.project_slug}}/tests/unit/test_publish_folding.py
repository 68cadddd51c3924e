"""chat.publisher.fold: which waiting events travel together, and which order survives."""

import json

from chat import broadcast, protocol, publisher


def room(room_id, text):
    message = broadcast.room_message(room_id, protocol.event("message.new", {"text": text}))
    return (broadcast.room_group(room_id), message, None)


def user(user_id, text):
    group = broadcast.user_group(user_id)
    return (group, {"type": broadcast.EVENT, "group": group, "room_id": None, "text": text}, None)


def fold(items):
    return publisher.fold(items, broadcast.is_room_event)


def unfolded(sent):
    """Each published message as (group, [texts of the events it carries])."""
    result = []
    for group, message, _ in sent:
        events = message["events"] if message["type"] == publisher.BATCH else [message]
        result.append((group, [json.loads(e["text"])["data"]["text"] for e in events]))
    return result


def test_a_rooms_waiting_events_go_as_one_message_in_their_order():
    items = [room(1, "a"), room(2, "b"), room(1, "c"), room(1, "d"), room(2, "e")]
    sent = fold(items)
    assert unfolded(sent) == [("room.1", ["a", "c", "d"]), ("room.2", ["b", "e"])]
    assert sent[0][1]["type"] == publisher.BATCH and sent[0][1]["room_id"] == 1
    # A lone event goes as itself.
    assert fold([room(3, "x")]) == [room(3, "x")]


def test_nothing_moves_past_an_event_that_is_not_a_room_event():
    joined = ("user.7", {"type": broadcast.MEMBERSHIP, "group": "user.7", "room_id": 1}, None)
    items = [room(1, "a"), joined, room(1, "b"), user(7, "u"), room(1, "c"), room(1, "d")]
    sent = fold(items)
    assert [group for group, _, _ in sent] == ["room.1", "user.7", "room.1", "user.7", "room.1"]
    assert unfolded(sent[-1:]) == [("room.1", ["c", "d"])]
    # A send to one socket is a barrier too.
    evict = (None, {"type": broadcast.EVICT, "socket": "p!1"}, "p")
    assert len(fold([room(1, "a"), evict, room(1, "b")])) == 3


def test_a_batch_stays_within_its_bounds():
    items = [room(1, str(i)) for i in range(publisher.BATCH_EVENTS + 1)]
    sent = fold(items)
    assert [len(texts) for _, texts in unfolded(sent)] == [publisher.BATCH_EVENTS, 1]
    big = "x" * (publisher.BATCH_CHARS // 3)
    sent = fold([room(1, big)] * 5)
    assert [len(texts) for _, texts in unfolded(sent)] == [2, 2, 1]
    for _, message, _ in sent:
        assert (
            sum(len(e["text"]) for e in message.get("events", [message])) <= publisher.BATCH_CHARS
        )
