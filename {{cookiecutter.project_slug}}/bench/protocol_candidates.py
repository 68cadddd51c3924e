"""Decode + validation cost per frame of the ways the protocol could be defined.

    python -m bench.protocol_candidates    (needs msgspec and pydantic installed)

The same two client events (message.send, room.messages) defined three ways: the hand-written
chat.fields validator the project used before (json.loads, then Field checks), msgspec
Structs decoded straight from the frame's text, and pydantic models (validate_json). Each is
timed on a valid message.send, a valid room.messages and a hostile frame (a bool as room_id),
best of several repeats, so the figures are the machine's, not its neighbours'. The text
rules (storable text, bidi overrides) are the same Python in every case and are left out.
"""

import json
import re
import timeit
from typing import Annotated, Literal

import msgspec
import pydantic

from chat import exceptions

BIGINT_MAX = 2**63 - 1  # The database's BIGINT.

try:  # The hand-written validator, on a checkout from before the typed definition.
    from chat.fields import Field, validate_data
except ImportError:
    Field = validate_data = None

FRAMES = {
    "message.send": json.dumps(
        {
            "event_type": "message.send",
            "data": {"room_id": 12, "content": "hello there, " * 8, "client_msg_id": "c-1"},
            "request_id": "42",
        }
    ),
    "room.messages": json.dumps(
        {"event_type": "room.messages", "data": {"room_id": 12, "after_seq": 400}, "request_id": 7}
    ),
    "hostile": json.dumps(
        {"event_type": "message.send", "data": {"room_id": True, "content": "x"}, "request_id": 1}
    ),
}

# --- The hand-written validator ---------------------------------------------------------------

CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FIELD_SCHEMAS = Field and {
    "message.send": {
        "room_id": Field(int, min_value=1),
        "content": Field(str, max_length=10_000, strip=False, allow_blank=False),
        "client_msg_id": Field(str, required=False, pattern=CLIENT_MSG_ID),
        "reply_to": Field(int, required=False, min_value=1),
    },
    "room.messages": {
        "room_id": Field(int, min_value=1),
        "after_seq": Field(int, required=False, min_value=0),
        "before_seq": Field(int, required=False, min_value=1),
        "changed_after_rev": Field(int, required=False, min_value=0),
        "limit": Field(int, required=False, min_value=1),
    },
}


def fields_parse(text):
    frame = json.loads(text)
    return validate_data(frame.get("data", {}), FIELD_SCHEMAS[frame["event_type"]])


# --- msgspec ------------------------------------------------------------------------------------

Id = Annotated[int, msgspec.Meta(ge=1, le=BIGINT_MAX)]
Seq = Annotated[int, msgspec.Meta(ge=0, le=BIGINT_MAX)]


class SendData(msgspec.Struct, forbid_unknown_fields=True):
    room_id: Id
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
    client_msg_id: Annotated[str, msgspec.Meta(pattern=CLIENT_MSG_ID.pattern)] | None = None
    reply_to: Id | None = None


class MessagesData(msgspec.Struct, forbid_unknown_fields=True):
    room_id: Id
    after_seq: Seq | None = None
    before_seq: Id | None = None
    changed_after_rev: Seq | None = None
    limit: Id | None = None


class Envelope(msgspec.Struct, tag_field="event_type", forbid_unknown_fields=True, kw_only=True):
    request_id: Annotated[str, msgspec.Meta(max_length=64)] | int | None = None


class SendFrame(Envelope, tag="message.send"):
    data: SendData


class MessagesFrame(Envelope, tag="room.messages"):
    data: MessagesData


MSGSPEC_DECODER = msgspec.json.Decoder(SendFrame | MessagesFrame)


def msgspec_parse(text):
    return MSGSPEC_DECODER.decode(text)


# --- pydantic -----------------------------------------------------------------------------------

Strict = pydantic.ConfigDict(extra="forbid", strict=True)
PId = Annotated[int, pydantic.Field(ge=1, le=BIGINT_MAX)]
PSeq = Annotated[int, pydantic.Field(ge=0, le=BIGINT_MAX)]


class PSendData(pydantic.BaseModel):
    model_config = Strict
    room_id: PId
    content: Annotated[str, pydantic.Field(min_length=1, max_length=10_000)]
    client_msg_id: Annotated[str, pydantic.Field(pattern=CLIENT_MSG_ID.pattern)] | None = None
    reply_to: PId | None = None


class PMessagesData(pydantic.BaseModel):
    model_config = Strict
    room_id: PId
    after_seq: PSeq | None = None
    before_seq: PId | None = None
    changed_after_rev: PSeq | None = None
    limit: PId | None = None


class PSendFrame(pydantic.BaseModel):
    model_config = Strict
    event_type: Literal["message.send"]
    data: PSendData
    request_id: Annotated[str, pydantic.Field(max_length=64)] | int | None = None


class PMessagesFrame(pydantic.BaseModel):
    model_config = Strict
    event_type: Literal["room.messages"]
    data: PMessagesData
    request_id: Annotated[str, pydantic.Field(max_length=64)] | int | None = None


PYDANTIC_ADAPTER = pydantic.TypeAdapter(
    Annotated[PSendFrame | PMessagesFrame, pydantic.Field(discriminator="event_type")]
)


def pydantic_parse(text):
    return PYDANTIC_ADAPTER.validate_json(text)


CANDIDATES = {
    **({"chat.fields (before)": (fields_parse, exceptions.InvalidPayloadError)} if Field else {}),
    f"msgspec {msgspec.__version__}": (msgspec_parse, msgspec.ValidationError),
    f"pydantic {pydantic.VERSION}": (pydantic_parse, pydantic.ValidationError),
}


def per_frame_us(parse, refused, text, number=20_000, repeat=7):
    """Best-of-``repeat`` microseconds per call of ``parse(text)``, refusals included."""

    def once():
        try:  # noqa: SIM105 (contextlib.suppress would add its own cost to every call)
            parse(text)
        except refused:
            pass

    return min(timeit.repeat(once, number=number, repeat=repeat)) / number * 1e6


def main():
    print(f"{'':24}" + "".join(f"{name:>16}" for name in FRAMES))
    for name, (parse, refused) in CANDIDATES.items():
        cells = "".join(
            f"{per_frame_us(parse, refused, text):13.2f} us" for text in FRAMES.values()
        )
        print(f"{name:24}{cells}")


if __name__ == "__main__":
    main()
