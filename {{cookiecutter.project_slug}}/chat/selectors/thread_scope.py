"""Which of a room's messages a room.messages page is cut from: all, one thread, or the
timeline. A module of its own so chat.selectors.messages reads it without importing the
thread reads, which build on the message reads."""

from django.db.models import Q

from .. import exceptions
from ..models import Message


def scope(messages, room, root_id, timeline=False):
    """``messages`` of ``room``, or only the replies in the thread of ``root_id`` if given, or
    only the room's timeline (its messages and the replies also sent to the room).

    The root must be a message of the room that can have a thread (else nothing is read); a
    deleted root still has its thread: its replies stay readable. The timeline is cut from the
    (room, seq) index like any page, skipping the thread replies it meets.
    """
    if timeline and root_id is not None:
        raise exceptions.InvalidPayloadError("Give thread_root_id or timeline, not both.")
    if timeline:
        return messages.filter(Q(thread_root__isnull=True) | Q(also_to_room=True))
    if root_id is None:
        return messages
    roots = Message.objects.filter(pk=root_id, room=room, thread_root__isnull=True)
    if not roots.exists():
        raise exceptions.ThreadRootError("No such thread in this room.")
    return messages.filter(thread_root_id=root_id)
