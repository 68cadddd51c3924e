"""Client frames to validated requests, in one msgspec decode when the frame is valid.

A valid frame is decoded and checked in one pass straight from its text, into the union of
every client event's envelope tagged by ``event_type``. A frame that fails is decoded again
as plain JSON and checked step by step (envelope, event name, data), only to say exactly
what is wrong and to echo its request_id; both paths apply the same definitions.
"""

import json
import re
import typing
from dataclasses import dataclass
from typing import Any

import msgspec

from .. import exceptions, text
from . import clean, types


@dataclass(frozen=True)
class Request:
    event_type: str
    data: dict
    request_id: str | int | None


@dataclass(frozen=True)
class Frame:
    """A decoded frame: what the rate limit and an error reply need, and its outcome."""

    event_type: str | None
    request_id: str | int | None
    request: Request | None = None
    problem: exceptions.ChatError | None = None

    def parsed(self):
        """Return the request, or raise what is wrong with the frame."""
        if self.problem is not None:
            raise self.problem
        return self.request


class Decoder:
    """Decodes the client events of ``events`` ({event_type: data Struct}) under ``limits``."""

    def __init__(self, events, limits):
        self.events = events
        self.limits = limits
        envelopes = {envelope_struct(name, struct): name for name, struct in events.items()}
        self.event_types = envelopes
        self.decoder = msgspec.json.Decoder(union(list(envelopes)))

    def read(self, frame_text, max_bytes):
        """Return the Frame in a text frame; raise if it is too large or not JSON."""
        if len(frame_text) > max_bytes or len(frame_text.encode()) > max_bytes:
            raise exceptions.FrameTooLargeError(f"Frames are limited to {max_bytes} bytes.")
        try:
            envelope = self.decoder.decode(frame_text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return self.read_slowly(frame_text)
        request_id = envelope.request_id
        if isinstance(request_id, str) and text.unstorable(request_id):
            return self.read_slowly(frame_text)
        return self.frame(self.event_types[type(envelope)], request_id, envelope.data)

    def read_slowly(self, frame_text):
        try:
            envelope = json.loads(frame_text)
        except (ValueError, RecursionError):
            raise exceptions.MalformedJSONError() from None
        event_type, request_id = event_type_of(envelope), request_id_of(envelope)
        try:
            data = self.check(envelope)
        except exceptions.ChatError as problem:
            return Frame(event_type, request_id, problem=problem)
        return self.frame(event_type, request_id, data)

    def frame(self, event_type, request_id, data):
        try:
            request = Request(event_type, clean.cleaned(data, self.limits), request_id)
        except exceptions.ChatError as problem:
            return Frame(event_type, request_id, problem=problem)
        return Frame(event_type, request_id, request)

    def check(self, envelope):
        """Return the data Struct of a plain-JSON envelope, or raise what is wrong with it."""
        check_envelope(envelope)
        event_type = envelope["event_type"]
        struct = self.events.get(event_type)
        if struct is None:
            raise exceptions.UnknownEventError(f"Unknown event_type {event_type[:64]!r}.")
        data = envelope.get("data", {})
        if not isinstance(data, dict):
            raise exceptions.InvalidEnvelopeError("data must be an object.")
        try:
            return msgspec.convert(data, struct)
        except msgspec.ValidationError as exc:
            raise exceptions.InvalidPayloadError(payload_problem(str(exc), struct)) from None


def envelope_struct(event_type, struct):
    """The Struct of a whole frame of ``event_type``, tagged by it, with ``struct`` as data."""
    return msgspec.defstruct(
        f"{struct.__name__}Envelope",
        [("data", struct, _default(struct)), ("request_id", types.RequestId | None, None)],
        tag=event_type,
        tag_field="event_type",
        forbid_unknown_fields=True,
        kw_only=True,
    )


def union(structs):
    """The union type of ``structs`` (msgspec decodes a tagged union in one pass)."""
    result: Any = structs[0]
    for struct in structs[1:]:
        result = result | struct
    return result


def _default(struct):
    """An absent data is {}: the default where the event needs no key, else required."""
    required = any(f.required for f in msgspec.inspect.type_info(struct).fields)
    return msgspec.NODEFAULT if required else msgspec.field(default_factory=struct)


def check_envelope(envelope):
    if not isinstance(envelope, dict):
        raise exceptions.InvalidEnvelopeError()
    unexpected = set(envelope) - {"event_type", "data", "request_id"}
    if unexpected:
        raise exceptions.InvalidEnvelopeError(f"Unexpected envelope keys: {sorted(unexpected)}.")
    if not isinstance(envelope.get("event_type"), str):
        raise exceptions.InvalidEnvelopeError("event_type must be a string.")
    if "request_id" in envelope and request_id_of(envelope) is None:
        raise exceptions.InvalidEnvelopeError(
            f"request_id must be a string of at most {types.REQUEST_ID_MAX_LENGTH} characters "
            "of valid Unicode text, or an integer."
        )


def request_id_of(envelope):
    """Return the envelope's request_id if it is a usable one, so errors can echo it."""
    if not isinstance(envelope, dict):
        return None
    request_id = envelope.get("request_id")
    if isinstance(request_id, bool):
        return None
    if isinstance(request_id, int) and abs(request_id) <= types.BIGINT_MAX:
        return request_id
    if (
        isinstance(request_id, str)
        and len(request_id) <= types.REQUEST_ID_MAX_LENGTH
        and text.unstorable(request_id) is None
    ):
        return request_id
    return None


def event_type_of(envelope):
    """Return the envelope's event_type if it has a string one (for rate limits), else None."""
    if isinstance(envelope, dict) and isinstance(event_type := envelope.get("event_type"), str):
        return event_type
    return None


# msgspec's wording, "<problem> - at `$.key...`", in the protocol's: "<key> <problem>."
_AT = re.compile(r"^(?P<problem>.*) - at `\$(?:\.(?P<key>\w+))?(?P<rest>.*)`$")
_PROBLEMS = [
    (re.compile(r"Object missing required field `(\w+)`"), "{0} is required."),
    (re.compile(r"Object contains unknown field `(\w+)`"), "Unexpected keys: ['{0}']."),
    (re.compile(r"Expected `\w+`, got `null`"), "{key} is required."),
    (re.compile(r"Expected `(\w+)`, got `\w+`"), "{key} must be of type {type}."),
    (re.compile(r"Expected `\w+` >= (-?\d+)"), "{key} must be at least {0}."),
    (re.compile(r"Expected `\w+` <= (-?\d+)"), "{key} must be at most {0}."),
    (re.compile(r"Expected `\w+` of length <= (\d+)"), "{key} is longer than {0}."),
    (re.compile(r"Expected `str` of length >= 1"), "{key} must not be empty."),
    (re.compile(r"Expected `str` matching regex"), "{key} has an invalid format."),
    (re.compile(r"Invalid enum value"), "{key} must be one of {choices}."),
]
_JSON_TYPES = {"array": "list", "object": "dict"}


def payload_problem(message, struct):
    """Say what msgspec found wrong with an event's data, naming the key as the docs do."""
    at = _AT.match(message)
    problem, key = (at["problem"], at["key"]) if at else (message, None)
    if key is not None and at["rest"].startswith("["):
        return f"{key} must be a list of usernames."
    for pattern, wording in _PROBLEMS:
        if (found := pattern.match(problem)) and (key is not None or "{key}" not in wording):
            kind = found.group(1) if found.groups() else ""
            return wording.format(
                *found.groups(),
                key=key,
                type=_JSON_TYPES.get(kind, kind),
                choices=_choices(struct, key),
            )
    return f"{key}: {problem}." if key else f"{problem}."


def _choices(struct, key):
    """The values a Literal field of ``struct`` allows, in their declared order."""
    for field in msgspec.structs.fields(struct):
        if field.name == key:
            return [v for arg in typing.get_args(field.type) for v in typing.get_args(arg) or [arg]]
    return []
