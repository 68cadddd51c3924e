"""The payloads the server's replies and events are made of: users, rooms, messages.

chat.payloads builds them as plain dicts; chat.events.replies wraps them in each reply and
event. Keys a payload carries only in some replies default to UNSET (may be absent).
"""

from typing import Literal

from msgspec import UNSET, UnsetType

from .types import Count, Id, Role, RoomKind, Seq, Shape, Timestamp


class User(Shape):
    """A user as others see them: never an email address or the account's names. The display
    name and avatar they chose are there when they have them (absent: none, show the
    username and initials). ``is_bot`` is there, true, for a bot (which posts through its
    room's webhook), absent for everyone else."""

    id: Id
    username: str
    display_name: str | UnsetType = UNSET
    avatar_url: str | UnsetType = UNSET
    is_bot: bool | UnsetType = UNSET


class Profile(User):
    """A user where their profile is shown (session.hello, members, user.updated): with their
    status and time zone (an IANA name) when they have them."""

    status: str | UnsetType = UNSET
    status_emoji: str | UnsetType = UNSET
    time_zone: str | UnsetType = UNSET


class Member(Profile, kw_only=True):
    role: Role


class Reaction(Shape):
    """One emoji on a message: how many reacted with it, and the first of them.

    ``users`` holds at most CHAT_REACTION_USERS_SHOWN reactors, the earliest. ``me`` (whether
    the reader reacted with it) is in payloads made for one reader, absent from events the
    whole room receives.
    """

    emoji: str
    count: Count
    users: list[User]
    me: bool | UnsetType = UNSET


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


class ThreadSummary(Shape):
    """A root's thread: its reply count, last reply time and repliers (the first few ids, and
    how many in all)."""

    reply_count: Count
    last_reply_at: Timestamp
    participant_ids: list[Id]
    participant_count: Count


class Message(Shape):
    """A message; a deleted one keeps its seq and shows content "" and deleted true.

    ``content`` is the source as its author typed it (what an edit starts from); ``html`` is
    its rendering (docs/protocol.md, Formatting), sanitized by the server: show it as it is.
    thread_root_id: the root of the thread it replies in (null: a room message); also_to_room:
    a thread reply the room's timeline shows too; thread: a root's summary (null: no replies).
    """

    id: Id
    room_id: Id
    seq: Seq
    sender: User | None
    content: str
    html: str
    created_at: Timestamp
    client_msg_id: str | None
    reply_to: ReplyPreview | None
    edited_at: Timestamp | None
    deleted: bool
    rev: Count
    reactions: list[Reaction]
    attachments: list[Attachment]
    forwarded_from: ForwardedFrom | None
    thread_root_id: Id | None
    also_to_room: bool
    thread: ThreadSummary | None


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
    # The first page of members (room.info, room.create, room.join, room.created), how many
    # the room has, and the cursor of room.members for the next page (null: that was all).
    members: list[Member] | UnsetType = UNSET
    member_count: Count | UnsetType = UNSET
    members_cursor: str | None | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    muted: bool | UnsetType = UNSET
    last_read_seq: Seq | UnsetType = UNSET
    unread: Count | UnsetType = UNSET
    # Unread mentions of the user (chat.notifications), beside the unread count.
    mentions: Count | UnsetType = UNSET
    peer: User | None | UnsetType = UNSET
    joined: bool | UnsetType = UNSET


class Position(Shape):
    """Where a room stands, for catching up (session.hello, session.heartbeat)."""

    id: Id
    last_seq: Seq
    last_rev: Count
    last_read_seq: Seq
    unread: Count
    mentions: Count


class Notification(Shape):
    """A mention of the user, a reply to their message, or a reply in a thread they follow;
    unread until its room (or, for a thread reply, its thread) is read past it."""

    id: Id
    kind: Literal["mention", "reply", "thread_reply"]
    room_id: Id
    seq: Seq
    created_at: Timestamp
    message: Message


class InvitedTo(Shape):
    """What an invitation shows of its room: enough to decide, nothing of its messages."""

    id: Id
    kind: RoomKind
    name: str


class Invitation(Shape):
    """An offer to join a group or channel, pending until accepted or declined."""

    id: Id
    room: InvitedTo
    invited_by: User | None
    created_at: Timestamp


class Limits(Shape):
    max_frame_bytes: Count
    max_content_chars: Count
    page_max: Count
    rate_per_second: float
    rate_burst: Count
