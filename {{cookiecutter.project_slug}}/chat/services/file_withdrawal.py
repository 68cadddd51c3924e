"""Taking a deleted account's files off the messages that keep them (their messages stay, the
default CHAT["DELETED_USER_MESSAGES"], and others' forwarded copies of their files).

An account may have sent thousands of files. Their messages lose them in batches, each with
a fixed number of set-based statements, not several per message: each message takes its
room's next rev (in id order, so a client's rev cursor sees no gap) and its room hears
message.edited with the message as it is now, so open pages drop the files at once; the
files' bytes leave storage once the deletion commits (chat.signals).
"""

from django.utils import timezone

from .. import broadcast, protocol, selectors
from ..models import Attachment, Message
from .message_removal import BATCH, with_new_revs


def files_withdraw_uploaded_by(user):
    """Take ``user``'s files off every message (inside the caller's transaction)."""
    attached = Attachment.objects.filter(uploader=user, message__isnull=False)
    rows = attached.order_by("room_id", "message_id").values_list("room_id", "message_id")
    # Each batch's files are deleted when the next is read: no offset to skip over.
    while batch := list(rows.distinct()[:BATCH]):
        _withdraw_batch(user, batch)


def _withdraw_batch(user, batch):
    """Withdraw the files of ``batch`` ([(room id, message id)], in that order)."""
    ids = [message_id for _, message_id in batch]
    Attachment.objects.filter(uploader=user, message_id__in=ids).delete()
    loaded = selectors.with_reactions(Message.objects.filter(pk__in=ids))
    changed = with_new_revs(batch, {message.pk: message for message in loaded}, timezone.now())
    Message.objects.bulk_update(changed, ["rev"], batch_size=BATCH)
    for payload in selectors.message_payloads(changed):
        event = protocol.event(protocol.MESSAGE_EDITED, {"message": payload})
        broadcast.room_event(payload["room_id"], event)
