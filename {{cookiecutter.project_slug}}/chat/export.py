"""A user's own data as one zip archive, written while it is sent (docs/export.md).

Streamed rather than built by a scheduled job and emailed as a link: nothing of the user's
data is ever stored a second time (no archive in a bucket to expire, leak or forget), no
email or worker is needed, and the user has it at once. What that costs is a request that
stays open while the archive is written; its first bytes go out at once, so no router's
first-byte timeout applies, and memory stays bounded: rows are read in chunks
(QuerySet.iterator), each written as a line of JSON and let go, files are copied a block at
a time, and the zip is written to the response as it grows (zipfile writes to a stream it
cannot seek with data descriptors), never held whole.

The archive's rows come from one database thread of their own (chat.streaming runs this
generator there), so a PostgreSQL server-side cursor stays on its connection throughout.
"""

import hashlib
import itertools
import json
import zipfile

from django.conf import settings
from django.utils import timezone

from . import payloads
from .models import Attachment, Membership, Message, Reaction
from .services.attachments import attachment_storage

FORMAT_VERSION = 1
CHUNK_ROWS = 500
COPY_BLOCK = 64 * 1024


class _Pipe:
    """A write-only file for zipfile: what it writes waits here until the generator takes it."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def archive(user):
    """Yield the bytes of the user's archive, a piece at a time."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
        counts = {}
        for name, rows in _line_files(user):
            counts[name] = 0
            with zf.open(name, "w", force_zip64=True) as entry:
                for row in rows:
                    entry.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                    counts[name] += 1
                    if len(pipe.parts) > 16:
                        yield pipe.take()
            yield pipe.take()
        for name, stored in _files(user):
            with (
                zf.open(name, "w", force_zip64=True) as entry,
                attachment_storage().open(stored) as f,
            ):
                while block := f.read(COPY_BLOCK):
                    entry.write(block)
                    yield pipe.take()
        zf.writestr("export.json", json.dumps(_summary(user, counts), ensure_ascii=False, indent=2))
    yield pipe.take()


def _line_files(user):
    return [
        ("rooms.jsonl", _rooms(user)),
        ("messages.jsonl", _messages(user)),
        ("reactions.jsonl", _reactions(user)),
    ]


def _summary(user, counts):
    profile = payloads.profile_payload(user)
    profile.pop("avatar_url", None)
    return {
        "format": "chat-export",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "site": settings.SITE_NAME,
        "user": {
            **profile,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "avatar": "avatar.webp" if user.avatar else None,
        },
        "settings": payloads.settings_payload(user),
        "files": {name: {"lines": count} for name, count in counts.items()},
    }


def _rooms(user):
    memberships = Membership.objects.filter(user=user).order_by("pk")
    fields = ("room_id", "room__kind", "room__name", "role", "joined_at", "muted")
    for row in memberships.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
        room_id, kind, name, role, joined_at, muted = row
        yield {
            "id": room_id,
            "kind": kind,
            "name": name,
            "role": role,
            "joined_at": joined_at.isoformat(),
            "muted": muted,
        }


# Rows are read as plain values, not model instances: a message holding its prefetched
# attachments is a reference cycle, freed only by the garbage collector, and thousands of
# them piled up between its runs (tests/services/test_export.py).
MESSAGE_FIELDS = (
    "pk", "room_id", "room__kind", "room__name", "seq", "created_at", "edited_at", "deleted_at",
    "content", "reply_to_id", "thread_root_id",
)  # fmt: skip


def _messages(user):
    rows = Message.objects.filter(sender=user).order_by("pk").values(*MESSAGE_FIELDS)
    for chunk in itertools.batched(rows.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS, strict=False):
        files = _attachments_of([row["pk"] for row in chunk], user)
        for row in chunk:
            yield _message(row, files.get(row["pk"], []))


def _message(row, attachments):
    deleted = row["deleted_at"] is not None
    return {
        "id": row["pk"],
        "room": {"id": row["room_id"], "kind": row["room__kind"], "name": row["room__name"]},
        "seq": row["seq"],
        "created_at": row["created_at"].isoformat(),
        "edited_at": row["edited_at"].isoformat() if row["edited_at"] else None,
        "deleted": deleted,
        "content": "" if deleted else row["content"],
        "reply_to_id": row["reply_to_id"],
        "thread_root_id": row["thread_root_id"],
        "attachments": [] if deleted else attachments,
    }


def _attachments_of(message_ids, user):
    """{message id: [attachment]} for a chunk of messages, in one query. ``file`` is null for
    a forwarded copy of someone else's file."""
    files = {}
    attachments = Attachment.objects.filter(message_id__in=message_ids).order_by("pk")
    for attachment in attachments:
        files.setdefault(attachment.message_id, []).append(
            {
                "id": attachment.pk,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "file": attachment_path(attachment) if attachment.uploader_id == user.pk else None,
            }
        )
    return files


def attachment_path(attachment):
    """Where an attachment's bytes are in the archive: one folder per stored file."""
    folder = hashlib.sha256(attachment.stored_name.encode()).hexdigest()[:16]
    return f"attachments/{folder}/{attachment.name}"


def _reactions(user):
    reactions = Reaction.objects.filter(user=user).order_by("pk")
    fields = ("message_id", "message__room_id", "emoji", "created_at")
    for message_id, room_id, emoji, created_at in reactions.values_list(*fields).iterator(
        chunk_size=CHUNK_ROWS
    ):
        yield {
            "message_id": message_id,
            "room_id": room_id,
            "emoji": emoji,
            "created_at": created_at.isoformat(),
        }


def _files(user):
    """(archive name, stored name) of the avatar and of each file the user uploaded, once
    each: forwarded copies share their original's bytes (ordered, so no set of names is
    kept)."""
    if user.avatar:
        yield "avatar.webp", user.avatar
    previous = None
    uploads = Attachment.objects.filter(uploader=user).order_by("stored_name", "pk")
    for attachment in uploads.iterator(chunk_size=CHUNK_ROWS):
        if attachment.stored_name != previous:
            previous = attachment.stored_name
            yield attachment_path(attachment), attachment.stored_name
