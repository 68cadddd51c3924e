"""The rules for one key of an event's data, and the check of a payload against them.

Pure Python, shared by every schema in chat.protocol: types (a bool is not a number), bounds
that fit the database columns, text that can be stored, bidi controls stripped.
"""

import re
from dataclasses import dataclass

from . import exceptions, text

# The largest values the database columns behind ids, seqs and counters can hold: a number
# above them is a bad payload, not a server error.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1


@dataclass(frozen=True)
class Field:
    """One key of an event's data: its type, whether it is required, and its bounds."""

    kind: type
    required: bool = True
    max_length: int | None = None
    min_value: int | None = None
    max_value: int = BIGINT_MAX
    pattern: re.Pattern | None = None
    choices: tuple = ()
    item_max_length: int | None = None
    # Lists hold usernames (str) unless this says ids (int, from 1 to BIGINT_MAX).
    item_kind: type = str
    # Strings are stripped unless they are text people wrote (message content keeps its
    # spacing); a blank string is refused where one would mean nothing.
    strip: bool = True
    allow_blank: bool = True
    # What happens to bidi control characters (chat.text): names lose them all, message
    # content only the overrides.
    bidi: str = "strip"


def validate_data(data, schema):
    """Return ``data`` checked against ``schema``; raise InvalidPayloadError naming the key."""
    unexpected = set(data) - set(schema)
    if unexpected:
        raise exceptions.InvalidPayloadError(f"Unexpected keys: {sorted(unexpected)}.")
    cleaned = {}
    for key, field in schema.items():
        if key not in data or data[key] is None:
            if field.required:
                raise exceptions.InvalidPayloadError(f"{key} is required.")
            continue
        cleaned[key] = _validate_value(key, data[key], field)
    return cleaned


def _validate_value(key, value, field):
    # bool is a subclass of int: refuse true/false where a number is expected.
    if not isinstance(value, field.kind) or (field.kind is int and isinstance(value, bool)):
        raise exceptions.InvalidPayloadError(f"{key} must be of type {field.kind.__name__}.")
    if field.kind is str:
        value = _clean_text(key, value, field)
        if not field.allow_blank and not value.strip():
            raise exceptions.InvalidPayloadError(f"{key} must not be empty.")
    if field.max_length is not None and len(value) > field.max_length:
        raise exceptions.InvalidPayloadError(f"{key} is longer than {field.max_length}.")
    if field.min_value is not None and value < field.min_value:
        raise exceptions.InvalidPayloadError(f"{key} must be at least {field.min_value}.")
    if field.kind is int and value > field.max_value:
        raise exceptions.InvalidPayloadError(f"{key} must be at most {field.max_value}.")
    if field.pattern is not None and not field.pattern.match(value):
        raise exceptions.InvalidPayloadError(f"{key} has an invalid format.")
    if field.choices and value not in field.choices:
        raise exceptions.InvalidPayloadError(f"{key} must be one of {list(field.choices)}.")
    if field.kind is list and field.item_kind is int:
        for item in value:
            if not isinstance(item, int) or isinstance(item, bool) or not 1 <= item <= BIGINT_MAX:
                raise exceptions.InvalidPayloadError(f"{key} must be a list of ids.")
        value = list(dict.fromkeys(value))
    elif field.kind is list:
        for item in value:
            if (
                not isinstance(item, str)
                or not item
                or len(item) > field.item_max_length
                or text.unstorable(item)
            ):
                raise exceptions.InvalidPayloadError(f"{key} must be a list of usernames.")
        value = list(dict.fromkeys(value))
    return value


def _clean_text(key, value, field):
    if (problem := text.unstorable(value)) is not None:
        raise exceptions.InvalidPayloadError(f"{key} {problem}.")
    if field.bidi == "strip":
        value = text.without_bidi_controls(value)
    else:
        value = text.without_bidi_overrides(value)
    return value.strip() if field.strip else value
