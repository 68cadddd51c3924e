"""Attachments: storing an upload, handing uploads to a message, and removing their files.

A file is uploaded over HTTP first (chat.views.attachment_upload) and stored at once, by a
member who may post in the room; message.send then names it. Until a message takes it only
its uploader can fetch it, and cleanup_chat_uploads deletes it after
CHAT["ATTACHMENT_UNATTACHED_TTL"] seconds. Files go when their rows go (chat.signals), so
deleting a message, a room or an old upload removes the bytes too.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from .. import exceptions, payloads, permissions, selectors, uploads
from ..models import Attachment


def attachment_storage():
    return storages["attachments"]


def attachment_upload(*, user, room_id, upload):
    """Store an uploaded file for ``room_id`` and return {"attachment": payload}.

    The uploader must be allowed to post in the room (4040 if it is not theirs to see, 4030
    if they may not post). The bytes decide the type (chat.uploads); the file is written
    before its row, and removed again if the row cannot be made.
    """
    limits = settings.CHAT
    membership = selectors.membership_for(user, room_id)
    if (reason := permissions.why_not_post(membership)) is not None:
        raise exceptions.ForbiddenError(reason)
    if upload.size > limits["ATTACHMENT_MAX_BYTES"]:
        raise exceptions.UploadTooLargeError(
            f"Files are limited to {limits['ATTACHMENT_MAX_BYTES']} bytes."
        )
    prepared = uploads.prepare(upload, limits=limits)
    key = f"attachments/{room_id}/{uuid.uuid4().hex}"
    names = [attachment_storage().save(f"{key}/file", prepared.content)]
    try:
        if prepared.thumbnail is not None:
            names.append(attachment_storage().save(f"{key}/thumbnail.webp", prepared.thumbnail))
        attachment = Attachment.objects.create(
            room_id=room_id,
            uploader=user,
            name=prepared.name,
            stored_name=names[0],
            thumbnail_name=names[1] if len(names) > 1 else "",
            size=prepared.size,
            content_type=prepared.content_type,
            sha256=prepared.sha256,
            width=prepared.width,
            height=prepared.height,
        )
    except BaseException:
        for name in names:
            attachment_storage().delete(name)
        raise
    return {"attachment": payloads.attachment_payload(attachment)}


def attach(*, user, message, attachment_ids):
    """Give the user's waiting uploads in the message's room to the message; return them.

    Runs inside the send's transaction: if any id is not the user's own upload in this room,
    waiting for a message, nothing is attached and the send is undone (4043).
    """
    ids = list(dict.fromkeys(attachment_ids))
    taken = Attachment.objects.filter(
        pk__in=ids, room_id=message.room_id, uploader=user, message__isnull=True
    ).update(message=message)
    if taken != len(ids):
        raise exceptions.AttachmentNotFoundError()
    return list(Attachment.objects.filter(message=message).order_by("pk"))


def forward_copies(*, original, message):
    """Give a forwarded message rows for its original's files, sharing the stored bytes."""
    copies = [
        Attachment(
            room_id=message.room_id,
            uploader_id=attachment.uploader_id,
            message=message,
            **{field: getattr(attachment, field) for field in SHARED_FIELDS},
        )
        for attachment in original.attachments.order_by("pk")
    ]
    return Attachment.objects.bulk_create(copies)


SHARED_FIELDS = (
    "name", "stored_name", "thumbnail_name", "size", "content_type", "sha256", "width", "height",
)  # fmt: skip


def attachment_files_delete(attachment):
    """Remove an attachment's files once its row's deletion commits, unless a forwarded copy
    (or its original) still uses them."""

    def remove():
        if not Attachment.objects.filter(stored_name=attachment.stored_name).exists():
            for name in (attachment.stored_name, attachment.thumbnail_name):
                if name:
                    attachment_storage().delete(name)

    transaction.on_commit(remove)


def uploads_cleanup(*, older_than):
    """Delete uploads no message took within ``older_than`` (a timedelta), files and all.

    Returns how many were deleted. Safe to run concurrently: a row deleted twice is deleted
    once, and an upload being attached meanwhile is locked by the send's transaction.
    """
    cutoff = timezone.now() - older_than
    stale = Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff)
    return stale.delete()[1].get(Attachment._meta.label, 0)
