"""Reads of attachments: who may fetch a file, decided again on every fetch."""

from django.db.models import Q

from .. import exceptions, permissions
from ..models import Attachment


def attachment_for_fetch(user, attachment_id):
    """Return the attachment if ``user`` may fetch it now, else raise AttachmentNotFoundError.

    Whoever may read its room (its members; anyone signed in, for a public channel; never
    someone banned from it: chat.permissions.may_read) may
    fetch a file sent in a message that is not deleted; an upload no message took yet only
    its uploader. Someone who left or was removed from a private room no longer reads it, so
    links they kept stop working with their next fetch. Anything else looks missing.
    """
    sent = Q(message__isnull=False, message__deleted_at__isnull=True)
    readable = permissions.may_read_q(user, "room__")
    waiting = Q(message__isnull=True, uploader=user, room__memberships__user=user)
    attachment = Attachment.objects.filter((sent & readable) | waiting, pk=attachment_id).first()
    if attachment is None:
        raise exceptions.AttachmentNotFoundError()
    return attachment
