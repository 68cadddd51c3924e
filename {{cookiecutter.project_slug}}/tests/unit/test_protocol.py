"""The protocol module alone: no database, no socket."""

import json

import pytest

from chat import exceptions, protocol

LIMITS = {"MAX_CONTENT_CHARS": 20, "ATTACHMENTS_PER_MESSAGE": 3}
DECODER = protocol.decoder(LIMITS)


def parse(frame):
    """Decode a frame both ways: in one pass from its text, and step by step as plain JSON.

    The two must agree on every frame (the second only runs for frames the first refuses,
    to say what is wrong), so each case here checks both.
    """
    text = json.dumps(frame)
    fast = DECODER.read(text, 10_000)
    slow = DECODER.read_slowly(text)
    assert (fast.event_type, fast.request_id) == (slow.event_type, slow.request_id)
    assert fast.request == slow.request
    assert type(fast.problem) is type(slow.problem)
    assert str(fast.problem) == str(slow.problem)
    return fast.parsed()


def test_valid_request_is_cleaned():
    request = parse(
        {
            "event_type": "room.create",
            "data": {"kind": "group", "name": "  Team ", "members": ["a", "b", "a"]},
            "request_id": 7,
        }
    )
    assert request.event_type == "room.create"
    assert request.data == {"kind": "group", "name": "Team", "members": ["a", "b"]}
    assert request.request_id == 7


def test_data_defaults_to_empty_object():
    assert parse({"event_type": "room.list"}).data == {}


def test_content_keeps_its_whitespace_but_must_not_be_blank():
    request = parse({"event_type": "message.send", "data": {"room_id": 1, "content": " hi "}})
    assert request.data["content"] == " hi "
    with pytest.raises(exceptions.InvalidPayloadError, match="empty"):
        parse({"event_type": "message.send", "data": {"room_id": 1, "content": " \n "}})


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"room_id": 1}, "content is required"),
        ({"room_id": "1", "content": "x"}, "room_id must be of type int"),
        ({"room_id": True, "content": "x"}, "room_id must be of type int"),
        ({"room_id": 0, "content": "x"}, "room_id must be at least 1"),
        ({"room_id": 1, "content": "x" * 21}, "content is longer than 20"),
        ({"room_id": 1, "content": "x", "client_msg_id": "a b"}, "client_msg_id has an invalid"),
        ({"room_id": 1, "content": "x", "sender": 3}, "Unexpected keys"),
        ({"room_id": 1, "content": "x", "attachments": [1, 2, 3, 4]}, "attachments is longer"),
        ({"room_id": 1, "content": "x", "attachments": ["1"]}, "attachments"),
        ({"room_id": 1, "content": "x", "attachments": [True]}, "attachments"),
        ({"room_id": 1, "content": "x", "attachments": [0]}, "attachments"),
        ({"room_id": 1, "content": "x", "attachments": [2**63]}, "attachments"),
        ({"room_id": 1, "content": "x", "attachments": 5}, "attachments: Expected `array"),
    ],
)
def test_invalid_message_send_names_the_problem(data, error):
    with pytest.raises(exceptions.InvalidPayloadError, match=error):
        parse({"event_type": "message.send", "data": data})


def test_attachment_ids_lose_their_repeats_before_the_limit_counts_them():
    data = {"room_id": 1, "content": "x", "attachments": [5, 5, 6, 5, 7]}
    request = parse({"event_type": "message.send", "data": data})
    assert request.data["attachments"] == [5, 6, 7]


def test_members_must_be_usernames():
    with pytest.raises(exceptions.InvalidPayloadError):
        parse({"event_type": "room.add_members", "data": {"room_id": 1, "members": [1]}})
    with pytest.raises(exceptions.InvalidPayloadError):
        parse({"event_type": "room.add_members", "data": {"room_id": 1, "members": [""]}})


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ([], exceptions.InvalidEnvelopeError),
        ({"event_type": None}, exceptions.InvalidEnvelopeError),
        ({"event_type": "x", "request_id": [1]}, exceptions.InvalidEnvelopeError),
        ({"event_type": "room.list", "data": "x"}, exceptions.InvalidEnvelopeError),
        ({"event_type": "room.list", "type": "x"}, exceptions.InvalidEnvelopeError),
        ({"event_type": "chat.event"}, exceptions.UnknownEventError),
    ],
)
def test_bad_envelopes(frame, error):
    with pytest.raises(error):
        parse(frame)


def test_frames_are_limited_in_bytes_and_must_be_json():
    assert DECODER.read('{"event_type": "room.list"}', 100).parsed().event_type == "room.list"
    with pytest.raises(exceptions.FrameTooLargeError):
        DECODER.read(json.dumps({"event_type": "é" * 60}), 100)
    with pytest.raises(exceptions.MalformedJSONError):
        DECODER.read("{", 100)


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"room_id": 1, "content": "x" * 21}, "content is longer than 20."),
        ({"room_id": 2**63, "content": "x"}, "room_id must be at most 9223372036854775807."),
        ({"room_id": 1, "content": "\ud800"}, "content is not valid Unicode text."),
        ({"room_id": 1, "content": "a\x00"}, "content contains NUL."),
        ({"room_id": None, "content": "x"}, "room_id is required."),
        ({"room_id": 1, "content": ""}, "content must not be empty."),
    ],
)
def test_errors_read_as_before(frame, error):
    with pytest.raises(exceptions.InvalidPayloadError) as raised:
        parse({"event_type": "message.send", "data": frame, "request_id": "q"})
    assert str(raised.value) == error


def test_choices_are_listed_in_their_order():
    with pytest.raises(exceptions.InvalidPayloadError, match=r"\['direct', 'group', 'channel'\]"):
        parse({"event_type": "room.create", "data": {"kind": "castle"}})


def test_bidi_overrides_leave_content_and_all_controls_leave_names():
    request = parse(
        {"event_type": "message.send", "data": {"room_id": 1, "content": "a\u202eb\u2067"}}
    )
    assert request.data["content"] == "ab\u2067"
    request = parse({"event_type": "room.update", "data": {"room_id": 1, "name": "\u2067x\u202e"}})
    assert request.data["name"] == "x"


def test_a_request_id_that_cannot_be_echoed_is_refused_by_both_paths():
    for request_id in ("\ud800", "a\x00", True, 2**63):
        with pytest.raises(exceptions.InvalidEnvelopeError):
            parse({"event_type": "room.list", "request_id": request_id})


def test_request_id_is_echoed_only_when_usable():
    assert protocol.request_id_of({"request_id": "abc"}) == "abc"
    assert protocol.request_id_of({"request_id": "x" * 65}) is None
    assert protocol.request_id_of([1]) is None


def test_envelopes():
    request = protocol.Request("room.list", {}, "q1")
    assert protocol.reply(request, {"rooms": []}) == {
        "event_type": "room.list",
        "data": {"rooms": []},
        "request_id": "q1",
    }
    error = protocol.error(exceptions.RoomNotFoundError(), "q1")
    assert error == {
        "event_type": "error",
        "data": {"code": 4040, "name": "room_not_found", "detail": "No such room."},
        "request_id": "q1",
    }
    assert json.loads(protocol.encode({"data": "é"})) == {"data": "é"}


def test_error_codes_are_unique_and_documented():
    codes = [cls.code for cls in exceptions.ERROR_CLASSES]
    assert len(codes) == len(set(codes))
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    for cls in exceptions.ERROR_CLASSES:
        assert f"| {cls.code} | `{cls.name}` |" in doc, cls.name


def test_every_client_event_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    for event_type in protocol.CLIENT_EVENTS:
        assert f"### `{event_type}`" in doc, event_type


def test_the_bench_measures_the_protocol_layer():
    from bench.protocol_cost import per_frame_us

    assert 0 < per_frame_us(number=50, repeat=1) < 10_000


def test_a_names_length_counts_what_is_kept():
    padded = "  " + "n" * 100 + "\u202e  "
    assert parse({"event_type": "room.update", "data": {"room_id": 1, "name": padded}}).data == {
        "room_id": 1,
        "name": "n" * 100,
    }
    with pytest.raises(exceptions.InvalidPayloadError, match="name is longer than 100"):
        parse({"event_type": "room.update", "data": {"room_id": 1, "name": "n" * 101}})
    with pytest.raises(exceptions.InvalidPayloadError, match="emoji must be exactly one emoji"):
        parse({"event_type": "message.react", "data": {"message_id": 1, "emoji": "👍" * 33}})
