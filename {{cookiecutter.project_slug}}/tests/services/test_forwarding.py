"""message.forward (chat/services/forwarding.py): copies only of what the forwarder reads now.

The copy is a message of its new room with a reference to its origin; its attachments share
the original's stored bytes, which stay until the last message using them is deleted.
"""

import pytest

from chat import exceptions, protocol, selectors, services
from chat.models import Attachment, Message
from tests.domain import channel, group, send
from tests.published import published, refused
from tests.services.test_attachments import png, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rooms(alice, bob, carol):
    """Alice's group with Bob (the origin) and Alice's group with Carol (the destination)."""
    return group(alice, bob, name="Origin"), group(alice, carol, name="Destination")


def forward(user, message, room, **options):
    return services.message_forward(user=user, message_id=message.pk, room_id=room.pk, **options)


def test_a_forward_is_a_new_message_of_its_room_that_refers_to_its_origin(rooms, alice, bob):
    origin, destination = rooms
    original = send(bob, origin, "the plan")
    result, events = published(
        services.message_forward, user=alice, message_id=original.pk, room_id=destination.pk
    )
    copy = result["message"]
    assert (copy["room_id"], copy["seq"], copy["content"]) == (destination.pk, 1, "the plan")
    assert copy["sender"]["username"] == "alice"
    assert copy["forwarded_from"] == {"room_id": origin.pk, "seq": original.seq}
    (event,) = events
    assert (event.to, event.event_type) == (f"room.{destination.pk}", protocol.MESSAGE_NEW)
    history = selectors.room_messages(user=alice, room_id=destination.pk)["messages"]
    assert history[-1]["forwarded_from"] == copy["forwarded_from"]


def test_only_readers_of_the_origin_can_follow_the_reference(rooms, alice, bob, carol):
    origin, destination = rooms
    forward(alice, send(bob, origin, "secret"), destination)
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.room_messages(user=carol, room_id=origin.pk)


@pytest.mark.parametrize("case", ["not_a_reader", "deleted", "missing"])
def test_a_message_the_forwarder_cannot_read_now_is_not_found(rooms, alice, bob, carol, case):
    origin, _ = rooms
    elsewhere = group(carol, bob, name="Carol and Bob")
    message = send(bob, origin, "hidden")
    if case == "deleted":
        services.message_delete(user=bob, message_id=message.pk)
    if case == "missing":
        message = Message(pk=10**12)
    user = carol if case == "not_a_reader" else alice
    target = elsewhere if user == carol else origin
    refused(
        exceptions.MessageNotFoundError,
        services.message_forward,
        user=user,
        message_id=message.pk,
        room_id=target.pk,
    )
    assert not Message.objects.filter(forwarded_from__isnull=False).exists()


def test_a_removed_member_can_no_longer_forward(rooms, alice, bob, carol):
    origin, _ = rooms
    bobs_own = group(bob, carol, name="Bob's")
    message = send(alice, origin, "before you left")
    services.room_remove_members(user=alice, room_id=origin.pk, members=["bob"])
    refused(
        exceptions.MessageNotFoundError,
        services.message_forward,
        user=bob,
        message_id=message.pk,
        room_id=bobs_own.pk,
    )


def test_the_forwarder_must_be_allowed_to_post_in_the_destination(rooms, alice, bob, carol):
    origin, _ = rooms
    message = send(alice, origin, "news")
    news = channel(carol, bob)  # Bob is a member who may not post there
    refused(
        exceptions.ForbiddenError,
        services.message_forward,
        user=bob,
        message_id=message.pk,
        room_id=news.pk,
    )
    not_mine = group(carol, name="Carol alone")
    refused(
        exceptions.RoomNotFoundError,
        services.message_forward,
        user=bob,
        message_id=message.pk,
        room_id=not_mine.pk,
    )


def test_a_public_channels_message_can_be_forwarded_by_any_reader(alice, bob, carol):
    news = channel(alice)
    message = send(alice, news, "announcement")
    mine = group(carol, bob, name="Carol's")
    copy = forward(carol, message, mine)["message"]
    assert copy["forwarded_from"] == {"room_id": news.pk, "seq": message.seq}


def test_attachments_come_along_without_copying_bytes(rooms, alice, bob, carol):
    origin, destination = rooms
    attachment = upload(bob, origin, png())
    sent = services.message_send(
        user=bob, room_id=origin.pk, content="pic", attachments=[attachment["id"]]
    )
    copy = forward(alice, Message.objects.get(pk=sent["message"]["id"]), destination)["message"]
    (copied,) = copy["attachments"]
    assert copied["id"] != attachment["id"] and copied["sha256"] == attachment["sha256"]
    rows = Attachment.objects.order_by("pk")
    assert len({row.stored_name for row in rows}) == 1  # one stored file, two rows
    assert selectors.attachment_for_fetch(carol, copied["id"]).stored_name == rows[0].stored_name
    # Deleting the original keeps the file for the copy; deleting the copy then removes it.
    name, storage = rows[0].stored_name, services.attachment_storage()
    services.message_delete(user=bob, message_id=sent["message"]["id"])
    assert storage.exists(name)
    services.message_delete(user=alice, message_id=copy["id"])
    assert not storage.exists(name)


def test_a_forward_is_idempotent_by_client_msg_id(rooms, alice, bob):
    origin, destination = rooms
    original = send(bob, origin, "once")
    first = forward(alice, original, destination, client_msg_id="f-1")
    again = forward(alice, original, destination, client_msg_id="f-1")
    assert again == first
    assert Message.objects.filter(room=destination).count() == 1
