"""The text rules of chat.events.types, applied to data msgspec has decoded.

msgspec has checked types and bounds; what remains needs Python: text no database can store
(chat.text) is refused, bidi controls are stripped, blank content and content above the
configured limit are refused, repeated usernames and ids dropped. Errors name the key.
"""

import functools

import msgspec

from .. import exceptions, reactions, text
from . import types


def cleaned(data, limits):
    """Return the keys ``data`` (a decoded Data Struct) carries, cleaned, as a dict.

    Absent keys (None) are left out, so handlers see their own defaults.
    """
    values = {}
    rules = rules_of(type(data))
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is None:
            continue
        rule = rules.get(name)
        values[name] = value if rule is None else _apply(rule, name, value, limits)
    return values


@functools.cache
def rules_of(cls):
    """Return {field: its Meta's extra (text rule, bound)} for a Data Struct, read once."""
    return {
        field.name: rule
        for field in msgspec.inspect.type_info(cls).fields
        if (rule := _rule(field.type)) is not None
    }


def _rule(info):
    if isinstance(info, msgspec.inspect.UnionType):
        return next(filter(None, map(_rule, info.types)), None)
    if isinstance(info, msgspec.inspect.Metadata) and info.extra and "text" in info.extra:
        return info.extra
    return None


def _apply(rule, key, value, limits):
    kind = rule["text"]
    if kind == types.IDS:
        value = list(dict.fromkeys(value))
        if len(value) > (limit := limits[rule["limit"]]):
            raise exceptions.InvalidPayloadError(f"{key} is longer than {limit}.")
        return value
    if kind == types.USERNAMES:
        if any(text.unstorable(item) for item in value):
            raise exceptions.InvalidPayloadError(f"{key} must be a list of usernames.")
        return list(dict.fromkeys(value))
    if kind == types.EMOJI:
        if (emoji := reactions.single_emoji(value)) is None:
            raise exceptions.InvalidPayloadError(f"{key} must be exactly one emoji.")
        return emoji
    if (problem := text.unstorable(value)) is not None:
        raise exceptions.InvalidPayloadError(f"{key} {problem}.")
    if kind in (types.NAME, types.FILLED):
        value = text.without_bidi_controls(value).strip()
        if kind == types.FILLED and not value:
            raise exceptions.InvalidPayloadError(f"{key} must not be empty.")
    else:
        value = text.without_bidi_overrides(value)
        if not value.strip():
            raise exceptions.InvalidPayloadError(f"{key} must not be empty.")
    limit = limits[rule["limit"]] if "limit" in rule else rule["max_length"]
    if len(value) > limit:
        raise exceptions.InvalidPayloadError(f"{key} is longer than {limit}.")
    return value
