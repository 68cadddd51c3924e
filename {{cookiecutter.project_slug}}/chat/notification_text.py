"""What a notification says happened, in one sentence: the digest emails' words.

The page's panel and its browser notifications say the same sentences (app/notification-text.js);
tests/unit/test_notification_text.py holds the two to one table. A direct room is named by
the person in it, so "bob mentioned you in bob" would say nothing: whatever the kind, a
notification from a direct room says who wrote to you.
"""

from .models import Notification, Room

WHAT = {
    Notification.Kind.MENTION: "mentioned you in",
    Notification.Kind.REPLY: "replied to you in",
    Notification.Kind.THREAD_REPLY: "replied in a thread you follow in",
}


def place(room):
    """A room as a sentence names it: #name for a channel, its name for a group."""
    return f"#{room.name}" if room.kind == Room.Kind.CHANNEL else room.name


def title(kind, sender, room):
    """``sender`` (a username, or None for a deleted account) did ``kind`` in ``room``."""
    who = sender or "Someone"
    if room.kind == Room.Kind.DIRECT:
        return f"{who} sent you a direct message"
    return f"{who} {WHAT[kind]} {place(room)}"
