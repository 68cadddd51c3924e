"""chat/services/attachments.py and chat/uploads.py: uploads stored for real, on local disk.

The storage is the test settings' FileSystemStorage in a temporary folder: every assertion
about a file reads the bytes that were written. The bucket storage runs the same code against
a real S3-compatible server in tests/integration/test_attachments_s3.py.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from chat import exceptions, protocol, selectors, services
from chat.models import Attachment, Message
from tests.domain import channel, group
from tests.published import published, refused

pytestmark = pytest.mark.django_db(transaction=True)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_exif(size=(800, 600), orientation=6):
    """A JPEG carrying a camera name, a GPS block and an orientation, as phones write them."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD)[2] = (52.0, 22.0, 1.0)  # latitude
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 200)).save(out, "PNG")
    return out.getvalue()


def upload(user, room, data, name="file.bin", declared="application/octet-stream"):
    return services.attachment_upload(
        user=user, room_id=room.pk, upload=SimpleUploadedFile(name, data, declared)
    )["attachment"]


def stored_bytes(attachment_id, thumbnail=False):
    attachment = Attachment.objects.get(pk=attachment_id)
    name = attachment.thumbnail_name if thumbnail else attachment.stored_name
    with services.attachment_storage().open(name) as file:
        return file.read()


@pytest.fixture
def room(alice, bob):
    return group(alice, bob)


# --- what is stored -------------------------------------------------------------------------


def test_an_image_is_reencoded_without_its_exif_and_gets_a_thumbnail(room, alice):
    original = jpeg_with_exif()
    attachment = upload(alice, room, original, name="holiday.jpeg", declared="text/html")
    data = stored_bytes(attachment["id"])
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}  # no camera, no GPS, no orientation left
    # Turned as the orientation said (6: 90 degrees), since the tag itself is gone.
    assert (attachment["width"], attachment["height"]) == (600, 800) == image.size
    assert attachment["content_type"] == "image/jpeg"  # the declared text/html is ignored
    assert attachment["name"] == "holiday.jpg"
    assert attachment["size"] == len(data) and data != original
    assert attachment["inline"] is True
    thumbnail = Image.open(io.BytesIO(stored_bytes(attachment["id"], thumbnail=True)))
    assert thumbnail.format == "WEBP" and max(thumbnail.size) == 320
    assert attachment["url"] == f"/attachments/{attachment['id']}/"
    assert attachment["thumbnail_url"] == f"/attachments/{attachment['id']}/thumbnail/"


def test_a_pdf_is_stored_byte_for_byte_as_a_download(room, alice):
    pdf = b"%PDF-1.7\n% a document\n" + bytes(range(256)) * 10
    attachment = upload(alice, room, pdf, name="report.pdf", declared="application/pdf")
    assert stored_bytes(attachment["id"]) == pdf
    assert attachment["content_type"] == "application/pdf"
    assert (attachment["inline"], attachment["thumbnail_url"], attachment["width"]) == (
        False, None, None,
    )  # fmt: skip
    import hashlib

    assert attachment["sha256"] == hashlib.sha256(pdf).hexdigest()


@pytest.mark.parametrize(
    ("data", "name", "declared", "content_type", "stored_as"),
    [
        # Bytes of a PDF under an image's name and type: a PDF, downloaded, named .pdf.
        (b"%PDF-1.4\n1 0 obj\n", "cat.png", "image/png", "application/pdf", "cat.pdf"),
        # HTML (or SVG) calling itself an image: plain text, downloaded, never rendered.
        (b"<html><script>alert(1)</script></html>", "x.png", "image/png", "text/plain", "x.txt"),
        (b"<svg onload='alert(1)'/>", "logo.svg", "image/svg+xml", "text/plain", "logo.txt"),
    ],
)
def test_a_spoofed_type_is_stored_as_what_its_bytes_are(
    room, alice, data, name, declared, content_type, stored_as
):
    attachment = upload(alice, room, data, name=name, declared=declared)
    assert (attachment["content_type"], attachment["name"]) == (content_type, stored_as)
    assert attachment["inline"] is False


def mpo(size=(64, 48)):
    """A multi-picture JPEG as phones write it: the photo (red), then a second picture (blue)."""
    out = io.BytesIO()
    photo, second = Image.new("RGB", size, "red"), Image.new("RGB", size, "blue")
    photo.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def test_a_multi_picture_jpeg_is_stored_as_a_jpeg_of_its_first_picture(room, alice):
    original = mpo()
    assert Image.open(io.BytesIO(original)).format == "MPO"
    attachment = upload(alice, room, original, name="IMG_0001.JPG", declared="image/jpeg")
    assert (attachment["content_type"], attachment["name"]) == ("image/jpeg", "IMG_0001.jpg")
    stored = Image.open(io.BytesIO(stored_bytes(attachment["id"])))
    assert (stored.format, getattr(stored, "n_frames", 1), stored.size) == ("JPEG", 1, (64, 48))
    red, _, blue = stored.convert("RGB").getpixel((32, 24))
    assert red > 200 and blue < 50  # the photo, not the picture after it
    assert Image.open(io.BytesIO(stored_bytes(attachment["id"], thumbnail=True))).format == "WEBP"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", exceptions.UnsupportedTypeError),  # a program
        (b"PK\x03\x04" + b"\x00" * 40, exceptions.UnsupportedTypeError),  # an archive
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, exceptions.UnsupportedTypeError),  # not a PNG
        (b"", exceptions.UnsupportedTypeError),
    ],
)
def test_a_file_of_a_type_not_allowed_is_refused_and_nothing_is_kept(room, alice, data, error):
    with pytest.raises(error):
        upload(alice, room, data, name="photo.png", declared="image/png")
    assert not Attachment.objects.exists()


def test_limits_come_from_settings(room, alice, settings):
    settings.CHAT = {**settings.CHAT, "ATTACHMENT_MAX_BYTES": 1000}
    with pytest.raises(exceptions.UploadTooLargeError):
        upload(alice, room, b"a" * 1001, name="notes.txt")
    settings.CHAT = {**settings.CHAT, "ATTACHMENT_MAX_PIXELS": 100, "ATTACHMENT_MAX_BYTES": 10**6}
    with pytest.raises(exceptions.InvalidUploadError, match="pixels"):
        upload(alice, room, png(size=(11, 10)))
    settings.CHAT = {**settings.CHAT, "ATTACHMENT_TYPES": ["image/png"]}
    with pytest.raises(exceptions.UnsupportedTypeError):
        upload(alice, room, b"%PDF-1.4\n")
    assert upload(alice, room, png(size=(10, 10)))["content_type"] == "image/png"
    assert Attachment.objects.count() == 1


def test_only_a_member_who_may_post_uploads(alice, bob, carol):
    room = group(alice, bob)
    with pytest.raises(exceptions.RoomNotFoundError):
        upload(carol, room, png())
    news = channel(alice, bob)
    with pytest.raises(exceptions.ForbiddenError):
        upload(bob, news, png())
    assert upload(alice, news, png())["content_type"] == "image/png"


# --- sending ----------------------------------------------------------------------------------


def test_a_message_takes_its_senders_uploads(room, alice, bob):
    first, second = upload(alice, room, png()), upload(alice, room, b"hello\n", name="a.txt")
    result, events = published(
        services.message_send,
        user=alice, room_id=room.pk, content="look", attachments=[second["id"], first["id"]],
    )  # fmt: skip
    sent = result["message"]
    assert [a["id"] for a in sent["attachments"]] == [first["id"], second["id"]]
    (event,) = events
    assert event.event_type == protocol.MESSAGE_NEW
    assert event.data["message"]["attachments"] == sent["attachments"]
    history = selectors.room_messages(user=bob, room_id=room.pk)["messages"]
    assert history[-1]["attachments"] == sent["attachments"]


@pytest.mark.parametrize("whose", ["other_user", "other_room", "already_sent", "missing"])
def test_an_attachment_not_waiting_for_this_sender_here_refuses_the_send(
    room, alice, bob, carol, whose
):
    other_room = group(alice, carol)
    ids = {
        "other_user": lambda: upload(bob, room, png())["id"],
        "other_room": lambda: upload(alice, other_room, png())["id"],
        "already_sent": lambda: sent_with(alice, room),
        "missing": lambda: 10**12,
    }
    foreign = ids[whose]()
    mine = upload(alice, room, png())["id"]
    last_seq = Message.objects.filter(room=room).count()
    refused(
        exceptions.AttachmentNotFoundError,
        services.message_send,
        user=alice, room_id=room.pk, content="x", attachments=[mine, foreign],
    )  # fmt: skip
    # Nothing stored, no seq used, and the sender's own upload still waits for a message.
    assert Message.objects.filter(room=room).count() == last_seq
    room.refresh_from_db()
    assert room.last_seq == last_seq
    assert Attachment.objects.get(pk=mine).message_id is None


def sent_with(user, room):
    attachment = upload(user, room, png())["id"]
    services.message_send(user=user, room_id=room.pk, content="x", attachments=[attachment])
    return attachment


def test_a_resend_with_the_same_client_msg_id_returns_the_stored_message(room, alice):
    attachment = upload(alice, room, png())["id"]
    first = services.message_send(
        user=alice, room_id=room.pk, content="x", client_msg_id="c1", attachments=[attachment]
    )
    again = services.message_send(
        user=alice, room_id=room.pk, content="x", client_msg_id="c1", attachments=[attachment]
    )
    assert again == first
    assert Message.objects.filter(room=room).count() == 1


# --- who fetches --------------------------------------------------------------------------------


def test_members_fetch_sent_files_the_uploader_alone_a_waiting_one(room, alice, bob, carol):
    waiting = upload(alice, room, png())["id"]
    assert selectors.attachment_for_fetch(alice, waiting).pk == waiting
    for user in (bob, carol):
        with pytest.raises(exceptions.AttachmentNotFoundError):
            selectors.attachment_for_fetch(user, waiting)
    services.message_send(user=alice, room_id=room.pk, content="x", attachments=[waiting])
    assert selectors.attachment_for_fetch(bob, waiting).pk == waiting
    with pytest.raises(exceptions.AttachmentNotFoundError):
        selectors.attachment_for_fetch(carol, waiting)
    services.room_remove_members(user=alice, room_id=room.pk, members=["bob"])
    with pytest.raises(exceptions.AttachmentNotFoundError):
        selectors.attachment_for_fetch(bob, waiting)


def test_anyone_who_reads_a_public_channel_fetches_its_files(alice, bob, carol):
    news = channel(alice, bob)
    attachment = sent_with(alice, news)
    assert selectors.attachment_for_fetch(carol, attachment).pk == attachment


# --- files follow their rows ------------------------------------------------------------------


def test_deleting_a_message_deletes_its_files(room, alice, bob):
    attachment = upload(alice, room, jpeg_with_exif())
    row = Attachment.objects.get(pk=attachment["id"])
    storage = services.attachment_storage()
    assert storage.exists(row.stored_name) and storage.exists(row.thumbnail_name)
    sent = services.message_send(
        user=alice, room_id=room.pk, content="x", attachments=[attachment["id"]]
    )
    deleted = services.message_delete(user=alice, message_id=sent["message"]["id"])
    assert deleted["message"]["attachments"] == []
    assert not Attachment.objects.exists()
    assert not storage.exists(row.stored_name) and not storage.exists(row.thumbnail_name)


def test_deleting_a_room_deletes_its_files(room, alice):
    sent = sent_with(alice, room)
    waiting = upload(alice, room, b"notes\n", name="n.txt")["id"]
    names = [Attachment.objects.get(pk=pk).stored_name for pk in (sent, waiting)]
    services.room_delete(user=alice, room_id=room.pk)
    assert not any(services.attachment_storage().exists(name) for name in names)


def test_cleanup_removes_old_uploads_no_message_took(room, alice):
    kept = sent_with(alice, room)
    fresh = upload(alice, room, png())["id"]
    old = upload(alice, room, png())["id"]
    old_name = Attachment.objects.get(pk=old).stored_name
    Attachment.objects.filter(pk__in=[kept, old]).update(
        created_at=Attachment.objects.get(pk=old).created_at - timedelta(hours=2)
    )
    out = io.StringIO()
    call_command("cleanup_chat_uploads", stdout=out)
    assert "Removed 1 unsent upload(s)." in out.getvalue()
    assert set(Attachment.objects.values_list("pk", flat=True)) == {kept, fresh}
    assert not services.attachment_storage().exists(old_name)


def test_a_plain_send_costs_what_it_did_before_attachments(room, alice):
    """One statement on PostgreSQL (chat.sql.send_message), three elsewhere: no attachment
    query for a message without attachments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.message_send(user=alice, room_id=room.pk, content="plain")
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(control)]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3), statements
    assert not any("chat_attachment" in sql for sql in statements)
