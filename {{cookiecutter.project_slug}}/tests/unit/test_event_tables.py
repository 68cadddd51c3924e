"""The tables an event must be added to besides chat/protocol.py, each held to the protocol.

An event added to CLIENT_EVENTS or SERVER_EVENTS and forgotten in one of these tables still
works in the happy path; what it loses is quiet: the JS client drops a server event it does
not know, an outsider's request is never tried, a costly request is limited only by the
overall budget. Each test names the event and says what to add where (README, "Adding an
event").
"""

import re
from pathlib import Path

import msgspec

from chat import protocol, ratelimit
from tests.consumer.test_hostile_input import OUTSIDER_EVENTS

PROJECT = Path(__file__).resolve().parents[2]
CLIENT_JS = PROJECT / "chat" / "static" / "chat" / "client"

# Keys of a client event's data that name a room or a message the user may not be part of.
ROOM_OR_MESSAGE_KEYS = {"room_id", "message_id"}


def js_constant(text, name):
    """The source between the brackets of ``export const NAME = ...`` in a JS module."""
    match = re.search(rf"export const {name} = (?:new Set\(\[|\{{)(.*?)(?:\]\)|\}});", text, re.S)
    assert match, f"chat/static/chat/client/protocol.js no longer exports {name}"
    return match.group(1)


def js_strings(source):
    return set(re.findall(r'"([^"\\]+)"', source))


def client_handled_events():
    """{server event: where the JS client takes it}: forwarded, a message change, or one that
    chat/static/chat/client/session.js's _onFrame handles by name."""
    names = (CLIENT_JS / "protocol.js").read_text()
    handled = {e: "FORWARDED_EVENTS" for e in js_strings(js_constant(names, "FORWARDED_EVENTS"))}
    for event_type in re.findall(r'"([^"]+)":', js_constant(names, "CHANGE_KINDS")):
        handled[event_type] = "CHANGE_KINDS"
    session = (CLIENT_JS / "session.js").read_text()
    on_frame = re.search(r"\n  _onFrame\(.*?\n  }\n", session, re.S)
    assert on_frame, "chat/static/chat/client/session.js no longer has _onFrame"
    for event_type in re.findall(r'type === "([^"]+)"', on_frame.group()):
        handled.setdefault(event_type, "session.js")
    return handled


def test_the_js_client_takes_every_server_event():
    handled = client_handled_events()
    missing = [e for e in protocol.SERVER_EVENTS if e not in handled]
    assert not missing, (
        f"The JS client drops server events {missing}: add each to FORWARDED_EVENTS in "
        "chat/static/chat/client/protocol.js (apps get it under its own name), or to "
        "CHANGE_KINDS there if it changes a message already delivered."
    )


def test_the_js_client_names_only_server_events():
    handled = client_handled_events()
    unknown = sorted(set(handled) - set(protocol.SERVER_EVENTS))
    assert not unknown, f"chat/static/chat/client names events the server never sends: {unknown}"


def data_keys(info):
    """Every key of a data type (msgspec.inspect), at any depth: a batch's positions too."""
    if isinstance(info, msgspec.inspect.StructType):
        return {f.name for f in info.fields}.union(*(data_keys(f.type) for f in info.fields))
    inner = [getattr(info, name, None) for name in ("item_type", "key_type", "value_type")]
    inner += getattr(info, "types", ())
    return set().union(*(data_keys(i) for i in inner if i is not None))


def room_or_message_keys(data_type):
    return sorted(data_keys(msgspec.inspect.type_info(data_type)) & ROOM_OR_MESSAGE_KEYS)


def test_every_event_about_a_room_or_message_is_refused_to_outsiders():
    tried = {event_type for event_type, _, _ in OUTSIDER_EVENTS}
    missing = {
        event_type: room_or_message_keys(data)
        for event_type, (data, _) in protocol.CLIENT_EVENTS.items()
        if room_or_message_keys(data) and event_type not in tried
    }
    assert not missing, (
        f"Client events naming a room or message no outsider tries: {missing}. Add each to "
        "OUTSIDER_EVENTS in tests/consumer/test_hostile_input.py as (event_type, "
        "lambda room, message: its data about alice and bob's room or message, the code "
        "carol gets: 4040 room_not_found or 4041 message_not_found)."
    )


def test_every_client_event_has_a_rate_limit_on_purpose():
    limited, overall = set(ratelimit.EVENT_LIMITS), set(ratelimit.OVERALL_ONLY)
    missing = sorted(set(protocol.CLIENT_EVENTS) - limited - overall)
    assert not missing, (
        f"Client events with no rate-limit entry: {missing}. In chat/ratelimit.py, add each to "
        'EVENT_LIMITS with the CHAT["RATE_LIMITS"] limit it also costs ("history", "rooms", '
        '"members"), or to OVERALL_ONLY with why the overall limit is enough; docs/protocol.md '
        "lists the limits (4029 rate_limited)."
    )
    assert not limited & overall, f"In both EVENT_LIMITS and OVERALL_ONLY: {limited & overall}"
    stale = sorted((limited | overall) - set(protocol.CLIENT_EVENTS))
    assert not stale, f"chat/ratelimit.py limits events that are not client events: {stale}"
    assert set(ratelimit.EVENT_LIMITS.values()) <= set(ratelimit.settings.CHAT["RATE_LIMITS"])


def test_every_server_event_is_in_the_protocol_docs_table():
    doc = (PROJECT / "docs" / "protocol.md").read_text()
    # error is the envelope of every refusal: docs/protocol.md's Envelopes and Error codes.
    missing = [e for e in protocol.SERVER_EVENTS if e != protocol.ERROR and f"| `{e}` |" not in doc]
    assert not missing, (
        f"Server events missing from docs/protocol.md: {missing}. Add a row to its "
        '"Server events" table: | `event` | its data | who is sent it |.'
    )


def test_every_forwarded_event_is_documented_for_apps():
    forwarded = js_strings(js_constant((CLIENT_JS / "protocol.js").read_text(), "FORWARDED_EVENTS"))
    guide = (PROJECT / "docs" / "client.md").read_text()
    (row,) = [line for line in guide.splitlines() if "| pushed by the server" in line]
    header = (CLIENT_JS.parent / "client.js").read_text().split("\nimport ", 1)[0]
    missing = {
        "docs/client.md's events table (the row pushed by the server)": sorted(
            e for e in forwarded if f"`{e}`" not in row
        ),
        "chat/static/chat/client.js's comment listing its events": sorted(
            e for e in forwarded if not re.search(rf"[\s,]{re.escape(e)}[,\n]", header)
        ),
    }
    missing = {where: events for where, events in missing.items() if events}
    assert not missing, f"Events apps can listen to, not listed where they look: {missing}"
