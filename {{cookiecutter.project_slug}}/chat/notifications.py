"""Who hears of what: mentions and replies, and the records, pushes and hook that follow.

The one place that decides who is notified. A stored message notifies

- each member it mentions by ``@username`` (a mention of someone who cannot see the room,
  not being a member, notifies nobody), and every other member for ``@room`` when the sender
  is an admin of a group or channel;
- the sender of the message it replies to;
- for a thread reply, the thread's followers (chat.services.threads) who are members.

Nobody is notified of their own message, in a room they muted, or by someone they block. Each
notification is a row (chat.models.Notification) pushed at once to the user's sockets as
notification.new; a mention also counts in the membership's unread_mentions, which
session.hello and room.list show beside the unread count. Reading the room past a
notification reads it (chat.services.receipts). One still unread after a quiet period is
emailed in a digest (chat.digests). Direct messages need no rows: an unread direct room is
already its own notification (its unread count), and digests list it from there.

One user cannot turn this into a way to page a crowd: a message names at most
CHAT["MAX_MENTIONS"] people (refused before it is stored), and a sender's messages make at
most CHAT["NOTIFICATIONS_PER_SENDER_PER_HOUR"] notifications an hour, counted in the cache
(Redis in production, so across processes); past that budget a message is stored and
delivered but notifies nobody new, named mentions and replies going before @room's crowd.

``notified`` is the hook for mobile or Web Push (chat.push): connect a receiver and it gets,
after the transaction commits, ``notifications`` as [(user id, the notification.new payload)].
``stored`` gets every stored message (``message``, its sender as ``user``) after the commit,
for direct messages, which make no rows here. Either is sent only while a receiver is
connected: with none (Web Push off), no after-commit work is registered for it.

A message that mentions nobody and replies to no one else costs nothing here: one substring
test on its text.
"""

import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.utils import timezone

from . import broadcast, exceptions, protocol
from .models import Block, Membership, Notification, Room

# "@" then a username (letters, digits and @.+-_, as Django's validator allows), not inside a
# word or an email address; a trailing full stop is punctuation, not part of the name.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
ROOM_MENTION = "room"

notified = Signal()
stored = Signal()
logger = logging.getLogger(__name__)


def mentioned_names(content):
    """The lowercased names ``content`` mentions (``room`` for @room)."""
    if "@" not in content:
        return set()
    return {name.rstrip(".").lower() for name in MENTION.findall(content)} - {""}


def require_few_mentions(content):
    """Refuse, before it is stored, a message that names more people than the setting allows."""
    limit = settings.CHAT["MAX_MENTIONS"]
    if len(mentioned_names(content)) > limit:
        raise exceptions.InvalidPayloadError(
            f"A message may mention at most {limit} people; an admin's @room calls everyone."
        )


def message_stored(message, *, sender, parent=None, payload, followers=()):
    """Notify whom a just-stored message concerns; ``payload`` is its message payload and
    ``followers`` the user ids following the thread it replies in."""
    if stored.receivers:
        transaction.on_commit(
            lambda: stored.send(sender=Notification, message=message, user=sender)
        )
    names = mentioned_names(message.content)
    replied_to = parent.sender_id if parent is not None else None
    followers = set(followers) - {sender.pk}
    if not names and replied_to in (None, sender.pk) and not followers:
        return
    with transaction.atomic():
        _notify(message, sender, names, replied_to, payload, followers)


def _notify(message, sender, names, replied_to, payload, followers):
    everyone = ROOM_MENTION in names and may_mention_room(sender, message.room_id)
    members = Membership.objects.filter(room_id=message.room_id, muted=False).exclude(
        user_id=sender.pk
    )
    members = members.exclude(user_id__in=Block.objects.filter(blocked=sender).values("blocker"))
    if not everyone:
        members = members.annotate(name=Lower("user__username")).filter(
            Q(name__in=names) | Q(user_id=replied_to) | Q(user_id__in=followers)
        )
    rows = list(members.values_list("pk", "user_id", Lower("user__username")))
    # Those named or replied to first (a thread's followers after): the budget keeps them.
    rows.sort(key=lambda row: row[2] not in names and row[1] != replied_to)
    rows = rows[: _sender_budget(sender.pk, len(rows))]
    if not rows:
        return
    notifications, mentioned = [], []
    for membership_id, user_id, name in rows:
        mention = everyone or name in names
        if mention:
            mentioned.append(membership_id)
        kind = Notification.Kind.MENTION if mention else _kind(user_id, replied_to)
        notifications.append(
            Notification(
                user_id=user_id,
                kind=kind,
                room_id=message.room_id,
                message=message,
                seq=message.seq,
            )
        )
    Notification.objects.bulk_create(notifications)
    Membership.objects.filter(pk__in=mentioned).update(unread_mentions=F("unread_mentions") + 1)
    pushed = [(n.user_id, notification_payload(n, payload)) for n in notifications]
    for user_id, data in pushed:
        event = protocol.event(protocol.NOTIFICATION_NEW, {"notification": data})
        broadcast.user_event(user_id, event)
    if notified.receivers:
        transaction.on_commit(lambda: notified.send(sender=Notification, notifications=pushed))


def _kind(user_id, replied_to):
    return Notification.Kind.REPLY if user_id == replied_to else Notification.Kind.THREAD_REPLY


def _sender_budget(sender_id, wanted):
    """Take up to ``wanted`` notifications from the sender's hourly budget; return how many.

    A fixed window per clock hour, one atomic INCR in the cache. If the cache cannot be
    reached the message still notifies: a Redis outage must not lose what was asked for.
    """
    limit = settings.CHAT["NOTIFICATIONS_PER_SENDER_PER_HOUR"]
    key = f"chat:notified-by:{sender_id}:{int(time.time() // 3600)}"
    try:
        cache.add(key, 0, timeout=3600)
        used = cache.incr(key, wanted)
    except Exception:
        logger.warning("Notification budget unavailable; not counting this message's")
        return wanted
    granted = max(0, wanted - max(0, used - limit))
    if granted < wanted:
        logger.info("User %s reached the hourly notification budget (%s)", sender_id, limit)
    return granted


def may_mention_room(sender, room_id):
    """@room is for admins of groups and channels (a direct room has no one else to call)."""
    return Membership.objects.filter(
        room_id=room_id,
        user=sender,
        role=Membership.Role.ADMIN,
        room__kind__in=[Room.Kind.GROUP, Room.Kind.CHANNEL],
    ).exists()


def notification_payload(notification, message_payload):
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "room_id": notification.room_id,
        "seq": notification.seq,
        "created_at": (notification.created_at or timezone.now()).isoformat(),
        "message": message_payload,
    }


def read_up_to(membership, seq):
    """The user read the room up to ``seq``: its notifications so far are read.

    One statement on the partial index of unread notifications (usually touching nothing);
    the mention counter is counted again only when it was not zero.
    """
    now = timezone.now()
    Notification.objects.filter(
        user_id=membership.user_id, room_id=membership.room_id, read_at__isnull=True, seq__lte=seq
    ).update(read_at=now)
    if membership.unread_mentions:
        _recount_mentions(membership)


def thread_read_up_to(membership, root_id, seq):
    """The user read a thread up to ``seq`` (thread.read): its notifications so far are read,
    and the mention counter is counted again if one of them was a mention."""
    unread = Notification.objects.filter(
        user_id=membership.user_id,
        room_id=membership.room_id,
        message__thread_root_id=root_id,
        read_at__isnull=True,
        seq__lte=seq,
    )
    if unread.update(read_at=timezone.now()) and membership.unread_mentions:
        _recount_mentions(membership)


def _recount_mentions(membership):
    """Set the member's unread-mention counter from the mentions still unread in the room."""
    left = Notification.objects.filter(
        user_id=membership.user_id,
        room_id=membership.room_id,
        kind=Notification.Kind.MENTION,
        read_at__isnull=True,
    ).count()
    Membership.objects.filter(pk=membership.pk).update(unread_mentions=left)
