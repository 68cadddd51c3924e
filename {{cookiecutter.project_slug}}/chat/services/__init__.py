"""Writes: every change to rooms, memberships, messages and sessions, one module per domain.

Each service takes the acting user first, checks permission (chat.permissions), runs in one
transaction, and returns plain data ready for the protocol. What other sockets must learn is
handed to chat.broadcast, which sends it only after the transaction commits. Callers import
the services from here.
"""

from .members import room_add_members, room_remove_members
from .messages import (
    message_delete,
    message_edit,
    message_react,
    message_read,
    message_remove,
    message_send,
)
from .moderation import message_report, room_ban, room_unban, user_block, user_unblock
from .rooms import (
    room_create,
    room_delete,
    room_join,
    room_leave,
    room_mute,
    room_update,
    rooms_forget_user,
)
from .sessions import (
    session_close,
    session_heartbeat,
    session_open,
    session_touch,
    sessions_cleanup,
)
from .typing_indicators import typing_send

__all__ = [
    "message_delete",
    "message_edit",
    "message_react",
    "message_read",
    "message_remove",
    "message_report",
    "message_send",
    "room_add_members",
    "room_ban",
    "room_create",
    "room_delete",
    "room_join",
    "room_leave",
    "room_mute",
    "room_remove_members",
    "room_unban",
    "room_update",
    "rooms_forget_user",
    "session_close",
    "session_heartbeat",
    "session_open",
    "session_touch",
    "sessions_cleanup",
    "typing_send",
    "user_block",
    "user_unblock",
]
