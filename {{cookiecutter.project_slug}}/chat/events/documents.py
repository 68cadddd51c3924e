"""The protocol's reference documents, generated from its typed definition.

``json_schema`` (docs/protocol.schema.json): every client frame, reply and server event as
JSON Schema 2020-12. ``asyncapi`` (docs/asyncapi.yaml): the same schemas as an AsyncAPI 3.0
document of the one channel, seen from the server. ``python manage.py protocol_schema``
writes both and the JS client's typedefs (chat.events.jsdoc); tests fail when a checked-in
copy is stale.
"""

import json

import msgspec

from .. import protocol
from . import types

CHANNEL = "/ws/chat/"
SCHEMA_REFS = "#/$defs/{name}"
ASYNCAPI_REFS = "#/components/schemas/{name}"
# The key that tells the frames of a union apart, in each document's dialect: JSON Schema has
# no such keyword, so the JSON document carries OpenAPI's object, which code generators read;
# AsyncAPI 3's Schema Object has its own `discriminator`, the property's name as a string
# (its specification's schema rejects the object).
SCHEMA_DISCRIMINATOR = {"propertyName": "event_type"}
ASYNCAPI_DISCRIMINATOR = "event_type"


def frame_name(event_type, role):
    """``message.send``, ``Request`` -> ``MessageSendRequest``."""
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + role


def frames():
    """[(frame name, event_type, data Struct, direction)] of every frame, client ones first."""
    listed = []
    for event_type, (data, reply) in protocol.CLIENT_EVENTS.items():
        listed.append((frame_name(event_type, "Request"), event_type, data, "client"))
        listed.append((frame_name(event_type, "Reply"), event_type, reply, "reply"))
    for event_type, data in protocol.SERVER_EVENTS.items():
        listed.append((frame_name(event_type, "Event"), event_type, data, "server"))
    return listed


def _envelope(event_type, data, direction, data_required, ref_template):
    """The JSON Schema of one frame: its event_type, its data, and request_id where it goes."""
    properties = {
        "event_type": {"const": event_type},
        "data": {"$ref": ref_template.format(name=data.__name__)},
    }
    if direction != "server" or event_type == protocol.ERROR:
        properties["request_id"] = {"$ref": ref_template.format(name="RequestId")}
    return {
        "type": "object",
        "properties": properties,
        "required": ["event_type", "data"] if data_required else ["event_type"],
        "additionalProperties": False,
    }


def components(ref_template, limits, discriminator=SCHEMA_DISCRIMINATOR):
    """{name: schema} of every payload, every frame, and the ClientFrame/ServerFrame unions,
    whose ``discriminator`` is written in the document's dialect."""
    listed = frames()
    _, defs = msgspec.json.schema_components(
        [data for _, _, data, _ in listed] + [types.RequestId], ref_template=ref_template
    )
    defs["RequestId"] = msgspec.json.schema(types.RequestId)
    defs["RequestId"]["description"] = "Echoed in the reply; a string or an integer."
    for name, event_type, data, direction in listed:
        required = direction != "client" or bool(defs[data.__name__].get("required"))
        defs[name] = _envelope(event_type, data, direction, required, ref_template)
        defs[name]["title"] = name
    for union, side in (("ClientFrame", {"client"}), ("ServerFrame", {"reply", "server"})):
        refs = [{"$ref": ref_template.format(name=n)} for n, _, _, d in listed if d in side]
        defs[union] = {"oneOf": refs, "discriminator": discriminator}
    return _with_limits(defs, limits)


def _with_limits(defs, limits):
    """Write the configured bound wherever a type's bound is a setting (types.Content's length,
    types.AttachmentIds' items)."""
    text = json.dumps(defs)
    for key, value in limits.items():
        for marker, bound in (("x-chat-limit", "maxLength"), ("x-chat-limit-items", "maxItems")):
            text = text.replace(
                f'"{marker}": "{key}"', f'"{bound}": {value}, "x-chat-setting": "CHAT_{key}"'
            )
    return json.loads(text)


def json_schema(limits):
    """The JSON Schema document: any frame on the socket, either direction."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "The chat protocol's frames",
        "description": "Generated from chat/events by `python manage.py protocol_schema`; "
        "docs/protocol.md explains each event.",
        "$defs": components(SCHEMA_REFS, limits),
        "anyOf": [{"$ref": "#/$defs/ClientFrame"}, {"$ref": "#/$defs/ServerFrame"}],
    }


def asyncapi(limits):
    """The AsyncAPI 3.0 document of the socket, from the server's side."""
    schemas = components(ASYNCAPI_REFS, limits, ASYNCAPI_DISCRIMINATOR)
    names = [name for name, *_ in frames()]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chat WebSocket protocol",
            "version": "1.0.0",
            "description": "One WebSocket per client carries every room. Operations are the "
            "server's: it receives client requests, replies to each (same event_type, "
            "request_id echoed) and sends events. docs/protocol.md explains each one.",
        },
        "defaultContentType": "application/json",
        "servers": {"chat": _server()},
        "channels": {"chat": _channel(names)},
        "operations": _operations(),
        "components": {
            "schemas": schemas,
            "messages": {name: _message(name) for name in names},
            "correlationIds": {
                "requestId": {
                    "description": "A reply echoes its request's request_id.",
                    "location": "$message.payload#/request_id",
                }
            },
            "securitySchemes": _security_schemes(),
        },
    }


def _server():
    return {
        "host": "{host}",
        "protocol": "wss",
        "description": "The app's own origin; behind Heroku's router TLS ends at the router.",
        "variables": {"host": {"default": "localhost:8000"}},
        "security": [
            {"$ref": "#/components/securitySchemes/bearer"},
            {"$ref": "#/components/securitySchemes/ticket"},
            {"$ref": "#/components/securitySchemes/session"},
        ],
    }


def _channel(names):
    return {
        "address": CHANNEL,
        "description": "The chat socket. The first frame is session.hello.",
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
    }


def _message(name):
    message = {"name": name, "payload": {"$ref": f"#/components/schemas/{name}"}}
    if not name.endswith("Event") or name == "ErrorEvent":
        message["correlationId"] = {"$ref": "#/components/correlationIds/requestId"}
    return message


def _ref(name):
    return {"$ref": f"#/channels/chat/messages/{name}"}


def _operations():
    channel = {"$ref": "#/channels/chat"}
    operations = {}
    for event_type in protocol.CLIENT_EVENTS:
        operations[frame_name(event_type, "")] = {
            "action": "receive",
            "channel": channel,
            "messages": [_ref(frame_name(event_type, "Request"))],
            "reply": {
                "channel": channel,
                "messages": [_ref(frame_name(event_type, "Reply")), _ref("ErrorEvent")],
            },
        }
    for event_type in protocol.SERVER_EVENTS:
        operations[frame_name(event_type, "")] = {
            "action": "send",
            "channel": channel,
            "messages": [_ref(frame_name(event_type, "Event"))],
        }
    return operations


def _security_schemes():
    return {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "Authorization: Bearer TOKEN on the upgrade request "
            "(POST /api/token/ issues tokens).",
        },
        "ticket": {
            "type": "httpApiKey",
            "in": "query",
            "name": "ticket",
            "description": "A single-use ticket (POST /api/ticket/ with the bearer token), "
            "for browsers, which cannot set headers on a WebSocket.",
        },
        "session": {
            "type": "httpApiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The chat page's own session cookie.",
        },
    }


def as_json(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_yaml(document):
    """YAML without a YAML library: JSON is YAML (1.2), under a comment saying so."""
    return (
        "# Generated by `python manage.py protocol_schema` from chat/events: do not edit.\n"
        "# JSON syntax, which is valid YAML 1.2.\n" + as_json(document)
    )
