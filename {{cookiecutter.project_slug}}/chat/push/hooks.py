"""Where pushes start: chat.notifications' signals, after the commit, and logging out.

The message receivers are connected (``connect()``) only where Web Push is on: chat.apps does
it at startup when both VAPID keys are set. With nobody listening, chat.notifications
registers no after-commit work for a message at all, so a site without push pays nothing on
its send path. Each receiver queues a job for the push thread (chat.push.outbox) and
returns: the sending socket's handler waits for nothing more. The logout receiver is always
connected: subscriptions made while push was on still end with their login.

Direct messages make no notification rows (their room's unread count is their notification),
so every stored message is heard here and those in direct rooms are pushed to the other
member, unless they muted the room or block the sender. Whether a room is direct never
changes, so each process asks once per room (a bounded cache).
"""

import functools

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .. import notifications
from ..models import Block, Membership, Room
from . import enabled, subscriptions
from .outbox import outbox

NOTIFIED, STORED = "chat.push.hooks.notified", "chat.push.hooks.stored"


def connect():
    """Hear stored messages and notifications (idempotent)."""
    notifications.notified.connect(notified, dispatch_uid=NOTIFIED)
    notifications.stored.connect(message_stored, dispatch_uid=STORED)


def disconnect():
    """Stop hearing them (tests that turned Web Push on for a while)."""
    notifications.notified.disconnect(dispatch_uid=NOTIFIED)
    notifications.stored.disconnect(dispatch_uid=STORED)


def notified(sender, notifications, **kwargs):
    """Mentions, replies and thread replies: [(user id, notification.new payload)]."""
    if not enabled():
        return
    notes = [_note(user_id, data) for user_id, data in notifications]
    outbox.put(functools.partial(_push_notes, notes))


def message_stored(sender, message, user, **kwargs):
    if not enabled() or not _is_direct(message.room_id):
        return
    note = {
        "kind": "direct",
        "room_id": message.room_id,
        "seq": message.seq,
        "sender": user.get_username(),
        "content": message.content,
    }
    outbox.put(functools.partial(_push_direct, note, user.pk))


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        subscriptions.session_ended(request.session.session_key)


def _note(user_id, data):
    message = data["message"]
    return {
        "user_id": user_id,
        "kind": data["kind"],
        "room_id": data["room_id"],
        "seq": data["seq"],
        "sender": (message.get("sender") or {}).get("username", "Someone"),
        "content": message.get("content", ""),
    }


def _push_notes(notes):
    # pywebpush, requests and aiohttp load on the push thread's first job, not in every
    # process's start-up (about a sixth of the web process's imports): restarts are faster.
    from . import sender

    sender.push(notes)


def _push_direct(note, sender_id):
    """Push a direct message to the room's other member: not muted, not blocking the sender."""
    from . import sender  # as in _push_notes

    members = (
        Membership.objects.filter(room_id=note["room_id"], muted=False)
        .exclude(user_id=sender_id)
        .exclude(user_id__in=Block.objects.filter(blocked_id=sender_id).values("blocker"))
    )
    sender.push(
        [{**note, "user_id": user_id} for user_id in members.values_list("user_id", flat=True)]
    )


@functools.lru_cache(maxsize=10_000)
def _is_direct(room_id):
    return Room.objects.filter(pk=room_id, kind=Room.Kind.DIRECT).exists()
