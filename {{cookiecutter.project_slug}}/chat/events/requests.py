"""The data of every client event: what a client may send, key by key.

One Struct per event, named after it; chat.protocol.CLIENT_EVENTS ties each to its event
name and reply. A key with a default is optional; None (or null on the wire) means absent.
"""

from typing import Annotated

from msgspec import Meta

from .types import (
    MAX_ROOMS_PER_DELIVERED,
    AttachmentIds,
    ClientMsgId,
    Content,
    Data,
    Description,
    Emoji,
    FilledReason,
    Id,
    MaxMembers,
    MembersCursor,
    Name,
    Reason,
    RoomKind,
    SearchCursor,
    SearchLimit,
    SearchQuery,
    Seq,
    UserName,
    Usernames,
)


class MessageSend(Data):
    room_id: Id
    content: Content
    client_msg_id: ClientMsgId | None = None
    reply_to: Id | None = None
    attachments: AttachmentIds | None = None
    # A reply in the thread of this message of the room; also_to_room shows it in the room too.
    thread_root_id: Id | None = None
    also_to_room: bool | None = None


class MessageForward(Data):
    """Copy a message the sender can read now into ``room_id``."""

    message_id: Id
    room_id: Id
    client_msg_id: ClientMsgId | None = None


class MessageEdit(Data):
    message_id: Id
    content: Content


class MessageDelete(Data):
    message_id: Id


class MessageReact(Data):
    """Add one's ``emoji`` to a message, or take it away with ``remove``."""

    message_id: Id
    emoji: Emoji
    remove: bool | None = None


class MessageRead(Data):
    room_id: Id
    seq: Seq


class DeliveredPosition(Data):
    """Everything up to ``seq`` in ``room_id`` reached this device."""

    room_id: Id
    seq: Seq


class MessageDelivered(Data):
    """A batch of delivery acknowledgements: one position per room, many rooms at once."""

    positions: Annotated[
        list[DeliveredPosition], Meta(min_length=1, max_length=MAX_ROOMS_PER_DELIVERED)
    ]


class SettingsUpdate(Data):
    """Change some of the user's chat settings; those left out stay as they are."""

    read_receipts: bool | None = None
    email_digests: bool | None = None
    push_notifications: bool | None = None


class MessageTyping(Data):
    room_id: Id
    is_typing: bool | None = None


class RoomCreate(Data):
    kind: RoomKind
    name: Name | None = None
    description: Description | None = None
    members: Usernames | None = None
    is_public: bool | None = None
    posting_locked: bool | None = None
    max_members: MaxMembers | None = None


class Empty(Data):
    """An event without data (room.list, room.discover, session.heartbeat)."""


class RoomRef(Data):
    """An event about one room (room.info, join, leave, delete, presence)."""

    room_id: Id


class RoomMessages(Data):
    """One page of history: at most one of after_seq, before_seq, around_seq."""

    room_id: Id
    after_seq: Seq | None = None
    before_seq: Id | None = None
    # The page with this seq in its middle (a permalink): half before it, the rest from it.
    around_seq: Id | None = None
    changed_after_rev: Seq | None = None
    limit: Id | None = None
    # Only the replies in the thread of this root (a message of the room), same paging.
    thread_root_id: Id | None = None
    # Only the room's timeline: its messages and the thread replies also sent to the room.
    timeline: bool | None = None


class InvitationRef(Data):
    """invitation.accept and invitation.decline."""

    invitation_id: Id


class RoomMembers(Data):
    """room.add_members and room.remove_members."""

    room_id: Id
    members: Usernames


class RoomUpdate(Data):
    room_id: Id
    name: Name | None = None
    description: Description | None = None
    is_public: bool | None = None
    posting_locked: bool | None = None
    max_members: MaxMembers | None = None
    admins: Usernames | None = None


class RoomMute(Data):
    room_id: Id
    muted: bool


class UserRef(Data):
    """An event about one user (user.block, user.unblock)."""

    username: UserName


class MessageReport(Data):
    message_id: Id
    reason: FilledReason


class RoomBan(Data):
    room_id: Id
    username: UserName
    reason: Reason | None = None


class RoomUnban(Data):
    room_id: Id
    username: UserName


class RoomMembersPage(Data):
    room_id: Id
    cursor: MembersCursor | None = None
    # Only members whose username starts with this (case-insensitive).
    prefix: UserName | None = None


class MessageSearch(Data):
    query: SearchQuery
    room_id: Id | None = None
    sender: UserName | None = None
    cursor: SearchCursor | None = None
    limit: SearchLimit | None = None
