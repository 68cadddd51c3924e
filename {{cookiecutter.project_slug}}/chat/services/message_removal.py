"""Removing every message of a deleted account (CHAT["DELETED_USER_MESSAGES"] = "remove").

A member deletes one message at a time (chat.services.messages); an account may have sent
hundreds of thousands. Those go here in batches, each with a fixed number of set-based
statements, whatever the number of messages: a deletion costs a few queries per batch (and
per room in it), not several per message.

Each message ends as a member's deletion leaves it: it keeps its seq, takes its room's next
rev (one rev each, in id order, so a client's rev cursor sees no gap), loses its reactions and
files (their bytes go once the deletion commits, chat.signals) and its text, and its room
hears message.deleted, so open pages take it away at once.
"""

import itertools

from django.db.models import F
from django.utils import timezone

from .. import broadcast, payloads, protocol
from ..models import Attachment, Message, Reaction, Room

# Messages per batch: the rows one batch holds in memory, and the size of its statements.
BATCH = 500

# What a deleted message's payload reads besides its own row (payloads.message_payload).
PAYLOAD_RELATED = ("sender", "reply_to", "reply_to__sender", "forwarded_from")


def messages_remove_sent_by(user):
    """Delete and erase every message ``user`` sent (inside the caller's transaction)."""
    live = Message.objects.filter(sender=user, deleted_at__isnull=True)
    # Each batch's messages are deleted when the next is read: no offset to skip over.
    while batch := list(live.order_by("room_id", "pk").values_list("room_id", "pk")[:BATCH]):
        _remove_batch(batch)
    # Messages deleted earlier keep their text for moderators unless CHAT["HARD_DELETE"]; a
    # deleted account's are erased either way.
    Message.objects.filter(sender=user).exclude(content="", content_html="").update(
        content="", content_html=""
    )


def _remove_batch(batch):
    """Delete the messages of ``batch`` ([(room id, message id)], in that order)."""
    ids = [message_id for _, message_id in batch]
    Reaction.objects.filter(message_id__in=ids).delete()
    Attachment.objects.filter(message_id__in=ids).delete()  # each file goes after commit
    loaded = Message.objects.select_related(*PAYLOAD_RELATED).filter(pk__in=ids)
    now = timezone.now()
    changed = with_new_revs(batch, {message.pk: message for message in loaded}, now)
    for message in changed:
        message.deleted_at, message.content, message.content_html = now, "", ""
    fields = ["rev", "deleted_at", "content", "content_html"]
    Message.objects.bulk_update(changed, fields, batch_size=BATCH)
    for message in changed:
        data = {"message": payloads.message_payload(message, reply_to=message.reply_to)}
        broadcast.room_event(message.room_id, protocol.event(protocol.MESSAGE_DELETED, data))


def with_new_revs(batch, messages, now):
    """Give the messages of ``batch`` ([(room id, message id)], rooms in id order) their
    rooms' next revs, one each in that order; return them (``messages``: id -> Message)."""
    changed = []
    # Rooms in id order, as every writer locks them: two deletions never deadlock.
    for room_id, rows in itertools.groupby(batch, key=lambda row: row[0]):
        in_room = [messages[message_id] for _, message_id in rows]
        rev = take_revs(room_id, len(in_room), now)
        for message in in_room:
            rev += 1
            message.rev = rev
            changed.append(message)
    return changed


def take_revs(room_id, count, now):
    """Take ``count`` revs of the room, under its lock; return the last rev before them."""
    rev = Room.objects.select_for_update().values_list("last_rev", flat=True).get(pk=room_id)
    Room.objects.filter(pk=room_id).update(last_rev=F("last_rev") + count, last_activity_at=now)
    return rev
