"""The generated protocol documents: fresh, valid, and saying what the definition says."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from jsonschema import Draft7Validator, Draft202012Validator

from chat import protocol
from chat.events import documents
from chat.management.commands.protocol_schema import TARGETS

PROJECT = Path(__file__).resolve().parents[2]
# The AsyncAPI 3.0.0 document's JSON Schema, as its specification publishes it (tests/data).
ASYNCAPI_SCHEMA = PROJECT / "tests" / "data" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The documents written afresh by the management command into a temporary folder."""
    root = tmp_path_factory.mktemp("protocol")
    for path in TARGETS:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
    call_command("protocol_schema", root=str(root))
    return root


@pytest.mark.parametrize("path", sorted(TARGETS))
def test_the_checked_in_copy_is_what_the_definition_generates(regenerated, path):
    fresh = (regenerated / path).read_text()
    assert (PROJECT / path).read_text() == fresh, (
        f"{path} is stale: run `python manage.py protocol_schema`."
    )


def test_check_mode_fails_on_a_stale_copy(regenerated):
    call_command("protocol_schema", check=True, root=str(regenerated))
    stale = regenerated / "docs" / "asyncapi.yaml"
    stale.write_text(stale.read_text().replace("message.send", "message.sent", 1))
    with pytest.raises(CommandError, match="asyncapi.yaml"):
        call_command("protocol_schema", check=True, root=str(regenerated))


def test_the_json_schema_is_valid_and_holds_every_event():
    schema = documents.json_schema(settings.CHAT)
    Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    client = {ref["$ref"].rsplit("/", 1)[1] for ref in defs["ClientFrame"]["oneOf"]}
    server = {ref["$ref"].rsplit("/", 1)[1] for ref in defs["ServerFrame"]["oneOf"]}
    assert client == {documents.frame_name(e, "Request") for e in protocol.CLIENT_EVENTS}
    assert server == {documents.frame_name(e, "Reply") for e in protocol.CLIENT_EVENTS} | {
        documents.frame_name(e, "Event") for e in protocol.SERVER_EVENTS
    }
    content = defs["MessageSend"]["properties"]["content"]
    assert content["maxLength"] == settings.CHAT["MAX_CONTENT_CHARS"]


@pytest.mark.parametrize(
    ("frame", "valid"),
    [
        ({"event_type": "message.send", "data": {"room_id": 1, "content": "hi"}}, True),
        ({"event_type": "room.list"}, True),
        ({"event_type": "message.send", "data": {"room_id": True, "content": "hi"}}, False),
        ({"event_type": "message.send", "data": {"room_id": 2**63, "content": "hi"}}, False),
        ({"event_type": "message.send", "data": {"room_id": 1, "content": "hi", "x": 1}}, False),
        ({"event_type": "message.send", "data": {"room_id": 1}}, False),
        ({"event_type": "room.list", "request_id": "x" * 65}, False),
        ({"event_type": "nope"}, False),
    ],
)
def test_the_json_schema_judges_client_frames_as_the_server_does(frame, valid):
    schema = documents.json_schema(settings.CHAT)
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/ClientFrame"})
    assert validator.is_valid(frame) is valid
    decoded = protocol.decoder(settings.CHAT).read(json.dumps(frame), 10_000)
    assert (decoded.problem is None) is valid


def test_asyncapi_has_one_channel_requests_with_correlated_replies_and_security():
    document = documents.asyncapi(settings.CHAT)
    assert document["asyncapi"] == "3.0.0"
    assert [c["address"] for c in document["channels"].values()] == ["/ws/chat/"]
    operations = document["operations"]
    for event_type in protocol.CLIENT_EVENTS:
        operation = operations[documents.frame_name(event_type, "")]
        assert operation["action"] == "receive"
        reply = operation["reply"]["messages"][0]["$ref"].rsplit("/", 1)[1]
        message = document["components"]["messages"][reply]
        assert message["correlationId"]["$ref"] == "#/components/correlationIds/requestId"
    for event_type in protocol.SERVER_EVENTS:
        assert operations[documents.frame_name(event_type, "")]["action"] == "send"
    location = document["components"]["correlationIds"]["requestId"]["location"]
    assert location == "$message.payload#/request_id"
    assert document["components"]["schemas"]["ClientFrame"]["discriminator"] == "event_type"
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["ticket"]["in"], schemes["ticket"]["name"]) == ("query", "ticket")


def test_asyncapi_is_valid_under_the_specifications_own_schema():
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    document = documents.asyncapi(settings.CHAT)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft7Validator(schema).iter_errors(document)
    ]
    assert errors == []


def test_the_json_schema_keeps_the_openapi_discriminator():
    """Code generators read the JSON document's unions by OpenAPI's discriminator object."""
    defs = documents.json_schema(settings.CHAT)["$defs"]
    for union in ("ClientFrame", "ServerFrame"):
        assert defs[union]["discriminator"] == {"propertyName": "event_type"}


def test_the_yaml_document_is_json_under_a_comment():
    text = documents.as_yaml(documents.asyncapi(settings.CHAT))
    body = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
    assert json.loads(body) == documents.asyncapi(settings.CHAT)


def test_the_client_modules_use_the_generated_typedefs():
    events = (PROJECT / "chat/static/chat/client/events.js").read_text()
    for event_type in [*protocol.CLIENT_EVENTS, *protocol.SERVER_EVENTS]:
        assert f'"{event_type}":' in events
    requests = (PROJECT / "chat/static/chat/client/requests.js").read_text()
    assert 'import("./events.js").ClientEventData[K]' in requests
    assert 'import("./events.js").ReplyData[K]' in requests
