"""Deleting an account (chat.services.account_deletion, run by chat.signals whoever deletes
it): rooms handed over or deleted, messages kept or removed, files gone from storage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat import protocol, services
from chat.models import Attachment, Membership, Message, Room
from tests.domain import channel, group, make_admin, send
from tests.published import published

pytestmark = [pytest.mark.django_db(transaction=True)]


def upload(user, room, data=b"plain words\n"):
    answer = services.attachment_upload(
        user=user, room_id=room.pk, upload=SimpleUploadedFile("notes.txt", data)
    )
    return answer["attachment"]["id"]


def stored(name):
    return services.attachment_storage().exists(name)


def roles(room):
    return dict(room.memberships.values_list("user__username", "role"))


def test_rooms_pass_to_the_oldest_admin_else_the_oldest_member_and_empty_rooms_go(
    alice, bob, carol, make_user
):
    dave = make_user("dave")
    led = group(alice, bob, carol)  # bob joined first: he leads it next
    shared = channel(alice, carol, dave)
    make_admin(shared, dave)  # an admin already: she keeps the channel
    alone = group(alice, name="Notes")
    alice.delete()
    led.refresh_from_db()
    shared.refresh_from_db()
    assert (led.created_by, roles(led)) == (bob, {"bob": "admin", "carol": "member"})
    assert (shared.created_by, roles(shared)) == (dave, {"carol": "member", "dave": "admin"})
    assert not Room.objects.filter(pk=alone.pk).exists()
    assert not Membership.objects.filter(user_id__isnull=True).exists()


def test_kept_messages_show_as_from_a_deleted_user_without_their_files(alice, bob, settings):
    assert settings.CHAT["DELETED_USER_MESSAGES"] == "keep"
    room = group(alice, bob)
    attachment_id = upload(alice, room)
    with_file = send(alice, room, "see the file", attachments=[attachment_id])
    names = list(Attachment.objects.values_list("stored_name", flat=True))
    waiting = upload(alice, room, b"never sent\n")
    services.profile_update(user=alice, display_name="Alice")
    reply = send(bob, room, "thanks", reply_to=with_file.pk)

    _, events = published(alice.delete)
    kept = Message.objects.get(pk=with_file.pk)
    assert (kept.sender_id, kept.content, kept.deleted_at) == (None, "see the file", None)
    assert not Attachment.objects.filter(pk__in=[attachment_id, waiting]).exists()
    assert not any(stored(name) for name in names)
    assert Message.objects.get(pk=reply.pk).sender == bob
    edited = [e for e in events if e.event_type == protocol.MESSAGE_EDITED]
    assert [e.data["message"]["attachments"] for e in edited] == [[]]
    assert any(e.event_type == protocol.ROOM_MEMBERS_REMOVED for e in events)


def test_removed_messages_are_deleted_and_erased(alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "DELETED_USER_MESSAGES": "remove"}
    room = group(alice, bob)
    mine = [send(alice, room, f"mine {n}") for n in range(3)]
    theirs = send(bob, room, "theirs")
    _, events = published(alice.delete)
    for message in Message.objects.filter(pk__in=[m.pk for m in mine]):
        assert message.deleted_at is not None and message.content == ""
        assert message.sender_id is None
    assert Message.objects.get(pk=theirs.pk).deleted_at is None
    deleted = [e.data["message"]["id"] for e in events if e.event_type == protocol.MESSAGE_DELETED]
    assert deleted == [m.pk for m in mine]


def test_the_avatar_file_goes_with_the_account(alice):
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (40, 40), "red").save(out, "PNG")
    services.avatar_set(user=alice, upload=SimpleUploadedFile("me.png", out.getvalue()))
    alice.refresh_from_db()
    name = alice.avatar
    assert stored(name)
    alice.delete()
    assert not stored(name)


def test_a_site_admin_deletes_accounts_from_the_django_admin(alice, bob, make_user):
    from django.test import Client

    room = group(alice, bob)
    staff = make_user("root")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "delete_accounts", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    assert not type(alice).objects.filter(pk=alice.pk).exists()
    room.refresh_from_db()
    assert (room.created_by, roles(room)) == (bob, {"bob": "admin"})
