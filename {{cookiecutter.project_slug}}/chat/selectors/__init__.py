"""Reads, always scoped by the acting user: a non-member never sees a private room's rows.

Plain synchronous functions returning plain data, one module per domain. The socket calls
them through chat.sync; other code imports them from here.
"""

from .attachments import attachment_for_fetch
from .invitations import invitation_list
from .members import members_page, room_detail, room_info, room_members, room_summary
from .messages import (
    message_data,
    message_for_member,
    message_payloads,
    room_messages,
    with_reactions,
)
from .moderation import blocked_ids_for_users, room_bans, user_blocks
from .notifications import notification_list, unread_notifications
from .people import user_search
from .receipts import receipts_enabled, room_receipts
from .rooms import (
    direct_peers,
    membership_for,
    public_channels,
    room_ids_for_user,
    room_ids_for_users,
    room_list,
    room_positions_for_user,
    visible_room,
)
from .search import message_search
from .sessions import session_hellos
from .threads import threads_list

__all__ = [
    "user_search",
    "attachment_for_fetch",
    "blocked_ids_for_users",
    "direct_peers",
    "members_page",
    "membership_for",
    "message_data",
    "message_for_member",
    "message_payloads",
    "message_search",
    "invitation_list",
    "notification_list",
    "public_channels",
    "receipts_enabled",
    "room_detail",
    "room_bans",
    "room_ids_for_user",
    "room_ids_for_users",
    "room_info",
    "room_list",
    "room_members",
    "room_messages",
    "room_receipts",
    "room_positions_for_user",
    "room_summary",
    "session_hellos",
    "threads_list",
    "unread_notifications",
    "user_blocks",
    "visible_room",
    "with_reactions",
]
