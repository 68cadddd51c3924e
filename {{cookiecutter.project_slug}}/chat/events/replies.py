"""What the server sends: the payloads (chat.payloads builds them), replies and events.

Every reply and server event's data is one Struct here; chat.protocol names which event
carries which. chat.payloads keeps building plain dicts (the fast path to the socket); the
test clients check every frame they receive against these definitions, so the two cannot
drift apart. Keys a payload carries only in some replies default to UNSET (may be absent).
"""

from typing import Literal

from msgspec import UNSET, UnsetType

from .types import Count, Id, Role, RoomKind, Seq, Shape, Timestamp

# --- Payloads -------------------------------------------------------------------------------


class User(Shape):
    """A user as others see them: never an email address or a name."""

    id: Id
    username: str


class Member(User):
    role: Role


class Reaction(Shape):
    emoji: str
    count: Count
    user_ids: list[Id]


class ReplyPreview(Shape):
    id: Id
    seq: Seq
    sender: User | None
    content: str
    deleted: bool


class Attachment(Shape):
    """A file of a message; its URLs are the site's own, checked again on every fetch."""

    id: Id
    name: str
    size: Count
    content_type: str
    sha256: str
    width: Count | None
    height: Count | None
    inline: bool
    url: str
    thumbnail_url: str | None


class ForwardedFrom(Shape):
    """Where a forwarded copy came from; only readers of that room can follow it."""

    room_id: Id
    seq: Seq


class Message(Shape):
    """A message; a deleted one keeps its seq and shows content "" and deleted true."""

    id: Id
    room_id: Id
    seq: Seq
    sender: User | None
    content: str
    created_at: Timestamp
    client_msg_id: str | None
    reply_to: ReplyPreview | None
    edited_at: Timestamp | None
    deleted: bool
    rev: Count
    reactions: list[Reaction]
    attachments: list[Attachment]
    forwarded_from: ForwardedFrom | None


class Room(Shape):
    """A room; members, the user's own membership, peer and joined only where documented."""

    id: Id
    kind: RoomKind
    name: str
    description: str
    is_public: bool
    posting_locked: bool
    max_members: Count | None
    post_roles: list[Role]
    created_at: Timestamp
    last_seq: Seq
    last_rev: Count
    last_activity_at: Timestamp | None
    members: list[Member] | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    muted: bool | UnsetType = UNSET
    last_read_seq: Seq | UnsetType = UNSET
    unread: Count | UnsetType = UNSET
    peer: User | None | UnsetType = UNSET
    joined: bool | UnsetType = UNSET


class Position(Shape):
    """Where a room stands, for catching up (session.hello, session.heartbeat)."""

    id: Id
    last_seq: Seq
    last_rev: Count
    last_read_seq: Seq
    unread: Count


class Limits(Shape):
    max_frame_bytes: Count
    max_content_chars: Count
    page_max: Count
    rate_per_second: float
    rate_burst: Count


# --- Replies and server events --------------------------------------------------------------


class MessageData(Shape):
    """message.send/edit/delete/react replies; message.new/edited/deleted/reactions."""

    message: Message


class RoomData(Shape):
    """room.create/info/join/update replies; room.created and room.updated."""

    room: Room


class Rooms(Shape):
    """room.list and room.discover replies."""

    rooms: list[Room]


class RoomIdData(Shape):
    """room.leave and room.delete replies; room.deleted."""

    room_id: Id


class ReadData(Shape):
    """message.read reply; room.read."""

    room_id: Id
    user: User
    last_read_seq: Seq


class TypingData(Shape):
    """message.typing reply; room.typing."""

    room_id: Id
    user: User
    is_typing: bool


class MessagesPage(Shape):
    room_id: Id
    messages: list[Message]
    has_more: bool
    last_seq: Seq
    last_rev: Count


class MembersAdded(Shape):
    """room.add_members reply."""

    room_id: Id
    added: list[Member]


class MembersRemoved(Shape):
    """room.remove_members reply."""

    room_id: Id
    removed: list[Id]


class MuteData(Shape):
    """room.mute reply; room.muted."""

    room_id: Id
    muted: bool


class PresenceData(Shape):
    """presence reply: the members online now."""

    room_id: Id
    online: list[User]
    # Whether presence.changed keeps the list current (rooms up to PRESENCE_MAX_ROOM_SIZE).
    announced: bool


class Heartbeat(Shape):
    server_time: Timestamp
    rooms: list[Position]


class Hello(Shape):
    session_id: Id
    user: User
    server_time: Timestamp
    heartbeat_interval: float
    limits: Limits
    rooms: list[Position]


class RoomRemoved(Shape):
    room_id: Id
    reason: Literal["removed", "left", "deleted"]


class RoomMembersAdded(Shape):
    room_id: Id
    members: list[Member]


class RoomMembersRemoved(Shape):
    room_id: Id
    user_ids: list[Id]


class PresenceChanged(Shape):
    room_id: Id
    user: User
    online: bool


class ErrorData(Shape):
    """An error: its stable code and name (docs/protocol.md) and a detail naming the key."""

    code: int
    name: str
    detail: str
