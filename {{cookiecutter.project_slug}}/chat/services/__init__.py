"""Writes: every change to rooms, memberships, messages and sessions, one module per domain.

Each service takes the acting user first, checks permission (chat.permissions), runs in one
transaction, and returns plain data ready for the protocol. What other sockets must learn is
handed to chat.broadcast, which sends it only after the transaction commits. Callers import
the services from here.
"""

from .account_deletion import account_forget
from .attachments import (
    attach,
    attachment_files_delete,
    attachment_storage,
    attachment_upload,
    forward_copies,
    uploads_cleanup,
)
from .bots import bot_create, bot_list, bot_revoke, create_bot
from .forwarding import message_forward
from .invitations import invitation_accept, invitation_decline
from .members import room_add_members, room_remove_members
from .message_batches import messages_send
from .messages import (
    message_delete,
    message_edit,
    message_remove,
    message_send,
)
from .moderation import message_report, room_ban, room_unban, user_block, user_unblock
from .onboarding import create_default_rooms, home_room_id, join_default_rooms
from .profiles import avatar_remove, avatar_set, profile_update
from .reactions import message_react
from .receipts import message_delivered, message_read, settings_update
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
    session_heartbeat,
    session_touch,
    sessions_cleanup,
    sessions_close,
    sessions_open,
    sessions_touch,
)
from .threads import thread_follow, thread_read, thread_unfollow
from .typing_indicators import typing_send

__all__ = [
    "create_default_rooms",
    "home_room_id",
    "join_default_rooms",
    "account_forget",
    "attach",
    "attachment_files_delete",
    "attachment_storage",
    "attachment_upload",
    "bot_create",
    "bot_list",
    "bot_revoke",
    "create_bot",
    "avatar_remove",
    "avatar_set",
    "forward_copies",
    "message_delete",
    "message_delivered",
    "message_edit",
    "message_forward",
    "message_react",
    "message_read",
    "message_remove",
    "message_report",
    "message_send",
    "profile_update",
    "messages_send",
    "invitation_accept",
    "invitation_decline",
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
    "session_heartbeat",
    "session_touch",
    "sessions_cleanup",
    "sessions_close",
    "sessions_open",
    "sessions_touch",
    "settings_update",
    "thread_follow",
    "thread_read",
    "thread_unfollow",
    "typing_send",
    "uploads_cleanup",
    "user_block",
    "user_unblock",
]
