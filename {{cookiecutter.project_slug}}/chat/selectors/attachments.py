"""Reads of attachments: who may fetch a file, decided again on every fetch."""

from django.db.models import Q

from .. import exceptions
from ..models import Attachment


def attachment_for_fetch(user, attachment_id):
    """Return the attachment if ``user`` may fetch it now, else raise AttachmentNotFoundError.

    Members of its room may fetch a file sent in a message that is not deleted; an upload no
    message took yet only its uploader. Someone who left or was removed is no longer a member,
    so links they kept stop working with their next fetch. Anything else looks missing.
    """
    visible = Q(message__isnull=False, message__deleted_at__isnull=True) | Q(
        message__isnull=True, uploader=user
    )
    attachment = (
        Attachment.objects.filter(visible, pk=attachment_id)
        .filter(room__memberships__user=user)
        .first()
    )
    if attachment is None:
        raise exceptions.AttachmentNotFoundError()
    return attachment
