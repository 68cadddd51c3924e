"""Every frame the test clients exchange, checked against docs/protocol.schema.json.

The checked-in JSON Schema (generated from chat/events, and kept fresh by
tests/unit/test_documents.py) is the contract: a frame a test sends that it did not mean to be
hostile, or any frame the server sends, that does not match it fails the test at once.
"""

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator

from chat import protocol
from chat.events.documents import frame_name

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "protocol.schema.json"


class FrameMismatchError(AssertionError):
    """A frame on the socket that the protocol's schema does not describe."""


@functools.cache
def _defs():
    return json.loads(SCHEMA.read_text())["$defs"]


@functools.cache
def _validator(name):
    if name not in _defs():
        raise FrameMismatchError(f"The protocol has no frame {name}.")
    return Draft202012Validator({"$defs": _defs(), "$ref": f"#/$defs/{name}"})


def _check(name, frame):
    errors = sorted(_validator(name).iter_errors(frame), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(map(str, errors[0].absolute_path)) or "(the frame)"
        raise FrameMismatchError(f"{name} at {where}: {errors[0].message}\n{frame!r}")


def check_sent(frame):
    """A frame a client sends: the request of a client event, as it goes on the wire."""
    frame = json.loads(json.dumps(frame))
    event_type = frame.get("event_type") if isinstance(frame, dict) else None
    if event_type not in protocol.CLIENT_EVENTS:
        raise FrameMismatchError(f"Not a client event: {frame!r}")
    _check(frame_name(event_type, "Request"), frame)


def check_received(frame):
    """A frame the server sends: a reply (a client event's name) or a server event."""
    event_type = frame.get("event_type") if isinstance(frame, dict) else None
    if event_type in protocol.CLIENT_EVENTS:
        _check(frame_name(event_type, "Reply"), frame)
    elif event_type in protocol.SERVER_EVENTS:
        _check(frame_name(event_type, "Event"), frame)
    else:
        raise FrameMismatchError(f"Not a server event: {frame!r}")
    return frame
