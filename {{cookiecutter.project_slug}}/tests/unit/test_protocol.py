"""The protocol module alone: no database, no socket."""

import json

import pytest

from chat import exceptions, protocol

LIMITS = {"MAX_CONTENT_CHARS": 20, "ATTACHMENTS_PER_MESSAGE": 3}
SCHEMAS = protocol.schemas(LIMITS)


def parse(frame):
    return protocol.parse_request(frame, SCHEMAS)


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
        ({"room_id": 1, "content": "x", "attachments": ["1"]}, "attachments must be a list of"),
        ({"room_id": 1, "content": "x", "attachments": [True]}, "attachments must be a list of"),
        ({"room_id": 1, "content": "x", "attachments": [0]}, "attachments must be a list of"),
        ({"room_id": 1, "content": "x", "attachments": [2**63]}, "attachments must be a list"),
        ({"room_id": 1, "content": "x", "attachments": 5}, "attachments must be of type list"),
    ],
)
def test_invalid_message_send_names_the_problem(data, error):
    with pytest.raises(exceptions.InvalidPayloadError, match=error):
        parse({"event_type": "message.send", "data": data})


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


def test_decode_frame_limits_size_in_bytes():
    assert protocol.decode_frame('{"a": 1}', 100) == {"a": 1}
    with pytest.raises(exceptions.FrameTooLargeError):
        protocol.decode_frame(json.dumps({"a": "é" * 60}), 100)
    with pytest.raises(exceptions.MalformedJSONError):
        protocol.decode_frame("{", 100)


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
    for event_type in SCHEMAS:
        assert f"### `{event_type}`" in doc, event_type
