"""The archive of a user's data (chat.export): complete, parseable, and written in bounded
memory however many messages the user sent."""

import io
import json
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat import export, services
from chat.models import Message, Room
from tests.domain import group, send

pytestmark = [pytest.mark.django_db]


def many_messages(user, room, count):
    room = Room.objects.get(pk=room.pk)
    start = room.last_seq
    Message.objects.bulk_create(
        Message(room=room, seq=start + n, sender=user, content=f"message number {n} " + "x" * 200)
        for n in range(1, count + 1)
    )
    Room.objects.filter(pk=room.pk).update(last_seq=start + count)


def peak_while_writing(user):
    """The largest memory the archive's generator held above its start, and its size."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        size = sum(len(piece) for piece in export.archive(user))
        return tracemalloc.get_traced_memory()[1] - base, size
    finally:
        tracemalloc.stop()


def test_the_archive_is_complete_and_parseable(alice, bob):
    room = group(alice, bob, name="Garden")
    upload = services.attachment_upload(
        user=alice, room_id=room.pk, upload=SimpleUploadedFile("notes.txt", b"plain words\n")
    )
    first = send(alice, room, "with a file", attachments=[upload["attachment"]["id"]])
    send(bob, room, "not hers")
    services.message_react(user=alice, message_id=first.pk, emoji="👍")
    services.profile_update(user=alice, display_name="Alice L", time_zone="Europe/Paris")
    alice.refresh_from_db()

    data = b"".join(export.archive(alice))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        summary = json.loads(zf.read("export.json"))
        lines = {
            name: [json.loads(line) for line in zf.read(name).splitlines()]
            for name in ("rooms.jsonl", "messages.jsonl", "reactions.jsonl")
        }
        names = zf.namelist()
        assert zf.testzip() is None
        [message] = lines["messages.jsonl"]
        assert zf.read(message["attachments"][0]["file"]) == b"plain words\n"
    assert summary["version"] == 1 and summary["user"]["display_name"] == "Alice L"
    assert summary["user"]["time_zone"] == "Europe/Paris"
    assert summary["settings"] == {
        "read_receipts": True,
        "email_digests": True,
        "push_notifications": True,
    }
    assert summary["files"]["messages.jsonl"] == {"lines": 1}
    assert lines["rooms.jsonl"][0]["name"] == "Garden"
    assert message["content"] == "with a file" and message["room"]["name"] == "Garden"
    assert lines["reactions.jsonl"] == [
        {
            "message_id": first.pk,
            "room_id": room.pk,
            "emoji": "👍",
            "created_at": lines["reactions.jsonl"][0]["created_at"],
        }
    ]
    assert len([n for n in names if n.startswith("attachments/")]) == 1


def test_memory_stays_bounded_however_many_messages(alice, bob):
    room = group(alice, bob)
    many_messages(alice, room, 1000)
    small_peak, small_size = peak_while_writing(alice)
    many_messages(alice, room, 9000)
    large_peak, large_size = peak_while_writing(alice)
    print(f"peak above start: {small_peak} B for 1,000 messages, {large_peak} B for 10,000")
    print(f"archive sizes: {small_size} B and {large_size} B")
    assert large_size > 8 * small_size
    # Ten times the messages, not ten times the memory: a chunk of rows and the zip's pieces
    # in flight are the same size either way.
    assert large_peak < 1.5 * small_peak + 256 * 1024
