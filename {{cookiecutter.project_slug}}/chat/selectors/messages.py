"""Reads of messages: history pages by seq or rev cursor, and single messages.

Every message leaves the server as payloads.message_payload() builds it; message_data() is the
one way to load a stored message for that (reactions and the replied-to message included, in
a fixed number of queries).
"""

from django.conf import settings
from django.db.models import Prefetch

from .. import exceptions, payloads
from ..models import Attachment, Message, Reaction
from . import threads
from .rooms import membership_for, visible_room


def with_reactions(messages):
    """Return a queryset of messages with what their payloads need, in a fixed query count."""
    related = ("sender", "reply_to", "reply_to__sender", "forwarded_from")
    return messages.select_related(*related).prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("pk")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
    )


def message_payloads(messages):
    """Return the payloads of messages loaded through with_reactions()."""
    return [
        payloads.message_payload(
            m, reactions=m.reactions.all(), reply_to=m.reply_to, attachments=m.attachments.all()
        )
        for m in messages
    ]


def message_data(message_id):
    """Return {"message": payload} for a stored message, as it is now."""
    (message,) = with_reactions(Message.objects.filter(pk=message_id))
    return {"message": message_payloads([message])[0]}


def room_messages(
    *,
    user,
    room_id,
    after_seq=None,
    before_seq=None,
    changed_after_rev=None,
    limit=None,
    thread_root_id=None,
    timeline=None,
):
    """Return one page of a room's history, by seq cursor.

    - after_seq: messages with seq > after_seq, oldest first (catch-up after a reconnect).
    - before_seq: messages with seq < before_seq, newest page first but returned oldest first
      (scrolling back).
    - neither: the newest page. changed_after_rev: instead, messages changed since that rev.
    - thread_root_id: only that thread's replies (not its root), paged the same way; timeline:
      only what the room's timeline shows (chat.selectors.threads.scope).
    has_more says whether another page exists in the same direction.
    """
    room = visible_room(user, room_id)
    page_max = settings.CHAT["PAGE_MAX"]
    limit = min(limit or page_max, page_max)
    messages = threads.scope(Message.objects.filter(room=room), room, thread_root_id, timeline)
    page = _page(messages, after_seq, before_seq, changed_after_rev)
    page = list(page[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    if changed_after_rev is None and after_seq is None:
        page.reverse()
    return {
        "room_id": room.pk,
        "messages": message_payloads(page),
        "has_more": has_more,
        "last_seq": room.last_seq,
        "last_rev": room.last_rev,
    }


def _page(messages, after_seq, before_seq, changed_after_rev):
    """Return the ordered queryset a page is cut from."""
    if after_seq is not None and before_seq is not None:
        raise exceptions.InvalidPayloadError("Give after_seq or before_seq, not both.")
    messages = with_reactions(messages)
    if changed_after_rev is not None:
        return messages.filter(rev__gt=changed_after_rev).order_by("rev")
    if after_seq is not None:
        return messages.filter(seq__gt=after_seq).order_by("seq")
    if before_seq is not None:
        messages = messages.filter(seq__lt=before_seq)
    return messages.order_by("-seq")


def message_for_member(user, message_id, *, lock_room=False):
    """Return (message, membership) for a message in one of the user's rooms, else raise.

    A message in a room the user cannot see is reported as missing, not forbidden.
    """
    message = Message.objects.select_related("sender").filter(pk=message_id).first()
    if message is None:
        raise exceptions.MessageNotFoundError()
    try:
        membership = membership_for(user, message.room_id, lock_room=lock_room)
    except exceptions.RoomNotFoundError:
        raise exceptions.MessageNotFoundError() from None
    return message, membership
