"""Forwarding: a copy of a message the user can read now, into a room where they may post.

The copy is sent as any message is (chat.services.messages), with a reference to its
original; it is always a message of its new room's timeline, even when the original was a
thread reply.
"""

from django.db import transaction

from .. import exceptions, selectors
from ..models import Message, Room
from . import messages


@transaction.atomic
def message_forward(*, user, message_id, room_id, client_msg_id=None):
    """Copy a message the user can read now into a room where they may post; tell that room.

    The copy is a new message of its room (its own seq, the forwarder as sender) that refers
    to its original by (room, seq): only readers of the original's room can follow that. The
    original's files come along as rows sharing the stored bytes. Idempotent by client_msg_id.
    """
    original = Message.objects.filter(pk=message_id).first()
    try:
        if original is None:
            raise exceptions.RoomNotFoundError()
        selectors.visible_room(user, original.room_id)
    except exceptions.RoomNotFoundError:
        raise exceptions.MessageNotFoundError() from None
    # Both rooms locked in id order, so forwards either way between two rooms never deadlock,
    # and a deletion of the original (under its room's lock) is either seen or waits.
    rooms = Room.objects.select_for_update().filter(pk__in={original.room_id, room_id})
    list(rooms.order_by("pk").values_list("pk", flat=True))
    original.refresh_from_db(fields=["content", "deleted_at"])
    if original.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    # A thread reply's copy is a message of its new room's timeline: forwarded has no thread.
    return messages.send_one(
        user, room_id, original.content, client_msg_id, None, None, forwarded=original
    )
