"""The chat's data: rooms, messages, moderation, notifications and live sessions.

One module per subject; everything is importable from ``chat.models`` as before.
"""

from .bots import Bot
from .messages import Attachment, Message, Reaction
from .moderation import Block, Report
from .notifications import Digest, Notification
from .push import PushSubscription
from .rooms import Membership, Room, RoomBan, RoomInvitation, direct_key_for
from .sessions import ChatSession
from .threads import ThreadFollow

__all__ = [
    "Attachment",
    "Block",
    "Bot",
    "ChatSession",
    "Digest",
    "Membership",
    "Message",
    "Notification",
    "PushSubscription",
    "Reaction",
    "Report",
    "Room",
    "RoomBan",
    "RoomInvitation",
    "ThreadFollow",
    "direct_key_for",
]
