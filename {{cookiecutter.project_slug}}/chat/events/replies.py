"""What the server sends: every reply's and server event's data, made of chat.events.shapes.

Every reply and server event's data is one Struct here; chat.protocol names which event
carries which. chat.payloads keeps building plain dicts (the fast path to the socket); the
test clients check every frame they receive against these definitions, so the two cannot
drift apart.
"""

from typing import Literal

from msgspec import UNSET, UnsetType

from . import shapes
from .shapes import Invitation, Limits, Member, Message, Notification, Position, Room, User
from .types import Count, Id, Seq, Shape, Timestamp


class MessageData(Shape):
    """message.send/edit/delete/react replies; message.new/edited/deleted/reactions."""

    message: Message


class RoomData(Shape):
    """room.create/info/join replies; room.created."""

    room: Room


class RoomUpdatedData(Shape):
    """room.update reply and room.updated: the room without its members, and the members
    whose role the update changed (empty when only settings changed)."""

    room: Room
    roles: list[Member]


class MembersPage(Shape):
    """room.members reply; next_cursor fetches the next page (null: no more)."""

    room_id: Id
    members: list[Member]
    member_count: Count
    next_cursor: str | None


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


class DeliveredData(Shape):
    """room.delivered: a member's delivered position moved."""

    room_id: Id
    user: User
    last_delivered_seq: Seq


class DeliveredRoom(Shape):
    room_id: Id
    last_delivered_seq: Seq


class Delivered(Shape):
    """message.delivered reply: where each named room's position stands now."""

    positions: list[DeliveredRoom]


class Receipt(Shape):
    """Where one other member stands; last_read_seq null when either side shares no reads."""

    user: User
    last_read_seq: Seq | None
    last_delivered_seq: Seq


class Receipts(Shape):
    """room.receipts reply; enabled false (and no members) above RECEIPTS_MAX_ROOM_SIZE."""

    room_id: Id
    enabled: bool
    members: list[Receipt]


class SettingsData(Shape):
    """settings.update reply; settings.updated; session.hello's settings."""

    read_receipts: bool
    email_digests: bool
    push_notifications: bool


class NotificationData(Shape):
    """notification.new."""

    notification: Notification


class Notifications(Shape):
    """notification.list reply: the unread ones, newest first."""

    notifications: list[Notification]


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
    """room.add_members reply: who joined at once, and how many were asked instead."""

    room_id: Id
    added: list[Member]
    invited: Count


class Invitations(Shape):
    """invitation.list reply: the user's pending invitations, newest first."""

    invitations: list[Invitation]


class InvitationData(Shape):
    """room.invited: someone asks the user into a room."""

    invitation: Invitation


class InvitationIdData(Shape):
    """invitation.decline reply."""

    invitation_id: Id


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
    user: shapes.Profile
    server_time: Timestamp
    heartbeat_interval: float
    limits: Limits
    settings: SettingsData
    rooms: list[Position]


class RoomRemoved(Shape):
    room_id: Id
    reason: Literal["removed", "left", "deleted", "banned"]


class RoomMembersAdded(Shape):
    room_id: Id
    members: list[Member]


class RoomMembersRemoved(Shape):
    room_id: Id
    user_ids: list[Id]
    # True when they deleted their accounts: their messages are "Deleted user"'s from now on.
    accounts_deleted: bool | UnsetType = UNSET


class PresenceChanged(Shape):
    room_id: Id
    user: User
    online: bool


class UserData(Shape):
    """user.block and user.unblock replies; user.blocked and user.unblocked."""

    user: User


class Users(Shape):
    """user.blocks reply: whom the user blocks."""

    users: list[User]


class ReportReceipt(Shape):
    """message.report reply."""

    report_id: Id
    message_id: Id


class Report(Shape):
    id: Id
    message: Message
    reporter: User | None
    reason: str
    created_at: Timestamp


class ReportData(Shape):
    """message.reported, to the room's admins."""

    report: Report


class BanData(Shape):
    """room.ban and room.unban replies."""

    room_id: Id
    user: User


class Ban(Shape):
    user: User
    banned_by: User | None
    reason: str
    created_at: Timestamp


class Bans(Shape):
    """room.bans reply."""

    room_id: Id
    bans: list[Ban]


class SearchResult(Shape):
    """A match: the message, its snippet as [text, matched] pieces, and its rank (PostgreSQL;
    null on SQLite, whose results come newest first)."""

    message: Message
    snippet: list[tuple[str, bool]]
    rank: float | None


class SearchPage(Shape):
    """message.search reply; next_cursor fetches the next page (null: no more)."""

    results: list[SearchResult]
    next_cursor: str | None


class ErrorData(Shape):
    """An error: its stable code and name (docs/protocol.md) and a detail naming the key."""

    code: int
    name: str
    detail: str
