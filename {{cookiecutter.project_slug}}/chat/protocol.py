"""The wire protocol: event names, the envelope, payload validation and reply builders.

Pure Python with no database or socket, so every rule here is unit-tested directly. Event names
appear as string literals only in this module; docs/protocol.md documents each one.

Client to server: {"event_type": "<name>", "data": {...}, "request_id": "<optional>"}
Server to client: {"event_type": "<name>", "data": {...}} with request_id echoed on replies.
"""

import json
import re
from dataclasses import dataclass

from . import exceptions, text
from .fields import BIGINT_MAX, INTEGER_MAX, Field, validate_data

# --- Client requests (imperative) -----------------------------------------------------------

MESSAGE_SEND = "message.send"
MESSAGE_EDIT = "message.edit"
MESSAGE_DELETE = "message.delete"
MESSAGE_REACT = "message.react"
MESSAGE_READ = "message.read"
MESSAGE_TYPING = "message.typing"
ROOM_CREATE = "room.create"
ROOM_LIST = "room.list"
ROOM_INFO = "room.info"
ROOM_MESSAGES = "room.messages"
ROOM_JOIN = "room.join"
ROOM_LEAVE = "room.leave"
ROOM_ADD_MEMBERS = "room.add_members"
ROOM_REMOVE_MEMBERS = "room.remove_members"
ROOM_UPDATE = "room.update"
ROOM_DELETE = "room.delete"
ROOM_DISCOVER = "room.discover"
ROOM_MUTE = "room.mute"
PRESENCE = "presence"
SESSION_HEARTBEAT = "session.heartbeat"
# Moderation
USER_BLOCK = "user.block"
USER_UNBLOCK = "user.unblock"
USER_BLOCKS = "user.blocks"
MESSAGE_REPORT = "message.report"
ROOM_BAN = "room.ban"
ROOM_UNBAN = "room.unban"
ROOM_BANS = "room.bans"
# Search
MESSAGE_SEARCH = "message.search"

# --- Server events (past tense), sent to every open socket that should see them --------------

SESSION_HELLO = "session.hello"
MESSAGE_NEW = "message.new"
MESSAGE_EDITED = "message.edited"
MESSAGE_DELETED = "message.deleted"
MESSAGE_REACTIONS = "message.reactions"
ROOM_READ = "room.read"
ROOM_TYPING = "room.typing"
ROOM_CREATED = "room.created"
ROOM_UPDATED = "room.updated"
ROOM_DELETED = "room.deleted"
ROOM_REMOVED = "room.removed"
ROOM_MEMBERS_ADDED = "room.members_added"
ROOM_MEMBERS_REMOVED = "room.members_removed"
ROOM_MUTED = "room.muted"
PRESENCE_CHANGED = "presence.changed"
USER_BLOCKED = "user.blocked"
USER_UNBLOCKED = "user.unblocked"
MESSAGE_REPORTED = "message.reported"
ERROR = "error"

# --- Close codes (RFC 6455 reserves 4000-4999 for applications) -----------------------------

CLOSE_UNAUTHENTICATED = 4001
CLOSE_SESSION_REPLACED = 4008
# The credential the socket was opened with no longer holds: the password changed, the account
# was deactivated or deleted, or its browser session logged out. Reconnecting with it fails.
CLOSE_REVOKED = 4010

# --- Payload validation (the field rules live in chat.fields) ------------------------------

CLIENT_MSG_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REQUEST_ID_MAX_LENGTH = 64
USERNAME_MAX_LENGTH = 150
EMOJI_MAX_LENGTH = 32
REPORT_REASON_MAX_LENGTH = 500
SEARCH_QUERY_MAX_LENGTH = 200
SEARCH_PAGE_MAX = 50
SEARCH_CURSOR_RE = re.compile(r"^[0-9.e+-]{1,40}(:[0-9]{1,19})?$")
MAX_MEMBERS_PER_REQUEST = 100


def _room_id(required=True):
    return Field(int, required=required, min_value=1)


def _members(required=True):
    return Field(
        list, required=required, max_length=MAX_MEMBERS_PER_REQUEST,
        item_max_length=USERNAME_MAX_LENGTH,
    )  # fmt: skip


def _content(max_chars, required=True):
    return Field(
        str, required=required, max_length=max_chars, strip=False, allow_blank=False,
        bidi="overrides",
    )  # fmt: skip


def _username():
    return Field(str, max_length=USERNAME_MAX_LENGTH, allow_blank=False)


def moderation_schemas():
    """The data schemas of the moderation events: blocks, reports and room bans."""
    return {
        USER_BLOCK: {"username": _username()},
        USER_UNBLOCK: {"username": _username()},
        USER_BLOCKS: {},
        MESSAGE_REPORT: {
            "message_id": Field(int, min_value=1),
            "reason": Field(str, max_length=REPORT_REASON_MAX_LENGTH, allow_blank=False),
        },
        ROOM_BAN: {
            "room_id": _room_id(),
            "username": _username(),
            "reason": Field(str, required=False, max_length=REPORT_REASON_MAX_LENGTH),
        },
        ROOM_UNBAN: {"room_id": _room_id(), "username": _username()},
        ROOM_BANS: {"room_id": _room_id()},
    }


def search_schemas():
    """The data schema of message search."""
    return {
        MESSAGE_SEARCH: {
            "query": Field(str, max_length=SEARCH_QUERY_MAX_LENGTH, allow_blank=False),
            "room_id": _room_id(required=False),
            "sender": Field(str, required=False, max_length=USERNAME_MAX_LENGTH),
            "cursor": Field(str, required=False, pattern=SEARCH_CURSOR_RE),
            "limit": Field(int, required=False, min_value=1, max_value=SEARCH_PAGE_MAX),
        },
    }


def schemas(limits):
    """Return the data schema of every client event under the configured ``limits``."""
    content = _content(limits["MAX_CONTENT_CHARS"])
    return {
        MESSAGE_SEND: {
            "room_id": _room_id(),
            "content": content,
            "client_msg_id": Field(str, required=False, pattern=CLIENT_MSG_ID_RE),
            "reply_to": Field(int, required=False, min_value=1),
        },
        MESSAGE_EDIT: {"message_id": Field(int, min_value=1), "content": content},
        MESSAGE_DELETE: {"message_id": Field(int, min_value=1)},
        MESSAGE_REACT: {
            "message_id": Field(int, min_value=1),
            # An empty string removes the user's reaction.
            "emoji": Field(str, max_length=EMOJI_MAX_LENGTH),
        },
        MESSAGE_READ: {"room_id": _room_id(), "seq": Field(int, min_value=0)},
        MESSAGE_TYPING: {"room_id": _room_id(), "is_typing": Field(bool, required=False)},
        ROOM_CREATE: {
            "kind": Field(str, choices=("direct", "group", "channel")),
            "name": Field(str, required=False, max_length=100),
            "description": Field(str, required=False, max_length=500),
            "members": _members(required=False),
            "is_public": Field(bool, required=False),
            "posting_locked": Field(bool, required=False),
            "max_members": Field(int, required=False, min_value=2, max_value=INTEGER_MAX),
        },
        ROOM_LIST: {},
        ROOM_DISCOVER: {},
        ROOM_INFO: {"room_id": _room_id()},
        ROOM_MESSAGES: {
            "room_id": _room_id(),
            "after_seq": Field(int, required=False, min_value=0),
            "before_seq": Field(int, required=False, min_value=1),
            "changed_after_rev": Field(int, required=False, min_value=0),
            "limit": Field(int, required=False, min_value=1),
        },
        ROOM_JOIN: {"room_id": _room_id()},
        ROOM_LEAVE: {"room_id": _room_id()},
        ROOM_ADD_MEMBERS: {"room_id": _room_id(), "members": _members()},
        ROOM_REMOVE_MEMBERS: {"room_id": _room_id(), "members": _members()},
        ROOM_UPDATE: {
            "room_id": _room_id(),
            "name": Field(str, required=False, max_length=100),
            "description": Field(str, required=False, max_length=500),
            "is_public": Field(bool, required=False),
            "posting_locked": Field(bool, required=False),
            "max_members": Field(int, required=False, min_value=2, max_value=INTEGER_MAX),
            "admins": _members(required=False),
        },
        ROOM_DELETE: {"room_id": _room_id()},
        ROOM_MUTE: {"room_id": _room_id(), "muted": Field(bool)},
        PRESENCE: {"room_id": _room_id()},
        SESSION_HEARTBEAT: {},
        **moderation_schemas(),
        **search_schemas(),
    }


@dataclass(frozen=True)
class Request:
    event_type: str
    data: dict
    request_id: str | None


def decode_frame(text, max_bytes):
    """Return the JSON object in a text frame, or raise the error that describes the frame."""
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        raise exceptions.FrameTooLargeError(f"Frames are limited to {max_bytes} bytes.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise exceptions.MalformedJSONError() from None


def request_id_of(frame):
    """Return the frame's request_id if it is a usable one, so errors can echo it."""
    if isinstance(frame, dict):
        request_id = frame.get("request_id")
        if isinstance(request_id, bool):
            return None
        if isinstance(request_id, int) and abs(request_id) <= BIGINT_MAX:
            return request_id
        if (
            isinstance(request_id, str)
            and len(request_id) <= REQUEST_ID_MAX_LENGTH
            and text.unstorable(request_id) is None
        ):
            return request_id
    return None


def event_type_of(frame):
    """Return the frame's event_type if it has a string one (for rate limits), else None."""
    if isinstance(frame, dict) and isinstance(event_type := frame.get("event_type"), str):
        return event_type
    return None


def parse_request(frame, event_schemas):
    """Validate a decoded frame against the envelope and its event's schema."""
    if not isinstance(frame, dict):
        raise exceptions.InvalidEnvelopeError()
    unexpected = set(frame) - {"event_type", "data", "request_id"}
    if unexpected:
        raise exceptions.InvalidEnvelopeError(f"Unexpected envelope keys: {sorted(unexpected)}.")
    event_type = frame.get("event_type")
    if not isinstance(event_type, str):
        raise exceptions.InvalidEnvelopeError("event_type must be a string.")
    if "request_id" in frame and request_id_of(frame) is None:
        raise exceptions.InvalidEnvelopeError(
            "request_id must be a string of at most "
            f"{REQUEST_ID_MAX_LENGTH} characters of valid Unicode text, or an integer."
        )
    schema = event_schemas.get(event_type)
    if schema is None:
        raise exceptions.UnknownEventError(f"Unknown event_type {event_type[:64]!r}.")
    data = frame.get("data", {})
    if not isinstance(data, dict):
        raise exceptions.InvalidEnvelopeError("data must be an object.")
    return Request(event_type, validate_data(data, schema), request_id_of(frame))


# --- Envelopes ------------------------------------------------------------------------------


def encode(envelope):
    """Return the JSON text of an envelope, compact and with non-ASCII kept as is."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def event(event_type, data):
    """Return a server event envelope."""
    return {"event_type": event_type, "data": data}


def reply(request, data):
    """Return the direct reply to ``request``: its own event_type, with request_id echoed."""
    envelope = event(request.event_type, data)
    if request.request_id is not None:
        envelope["request_id"] = request.request_id
    return envelope


def error(exc, request_id=None):
    """Return the error envelope for a ChatError."""
    envelope = event(ERROR, {"code": exc.code, "name": exc.name, "detail": exc.detail})
    if request_id is not None:
        envelope["request_id"] = request_id
    return envelope
