"""Reads of messages: history pages by seq or rev cursor, and single messages.

Every message leaves the server as payloads.message_payload() builds it; message_data() is the
one way to load a stored message for that (reactions and the replied-to message included, in
a fixed number of queries).
"""

from django.conf import settings
from django.db.models import Prefetch

from .. import exceptions, payloads
from ..models import Attachment, Message
from . import thread_scope
from .reactions import reaction_summaries
from .rooms import membership_for, visible_room


def with_reactions(messages):
    """Return a queryset of messages with what their payloads need, in a fixed query count.

    Their reactions are summed up by message_payloads (chat.selectors.reactions), never
    loaded row by row: a message may have thousands.
    """
    related = ("sender", "reply_to", "reply_to__sender", "forwarded_from")
    return messages.select_related(*related).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
    )


def message_payloads(messages, reader=None):
    """Return the payloads of messages loaded through with_reactions().

    With a ``reader``, each reaction says whether they reacted with it (``me``).
    """
    messages = list(messages)
    reactions = reaction_summaries([m.pk for m in messages], reader) if messages else {}
    return [
        payloads.message_payload(
            m,
            reactions=reactions.get(m.pk, ()),
            reply_to=m.reply_to,
            attachments=m.attachments.all(),
        )
        for m in messages
    ]


def message_data(message_id, reader=None):
    """Return {"message": payload} for a stored message, as it is now (for ``reader``)."""
    (message,) = with_reactions(Message.objects.filter(pk=message_id))
    return {"message": message_payloads([message], reader)[0]}


def room_messages(
    *,
    user,
    room_id,
    after_seq=None,
    before_seq=None,
    around_seq=None,
    changed_after_rev=None,
    limit=None,
    thread_root_id=None,
    timeline=None,
):
    """Return one page of a room's history, by seq cursor.

    - after_seq: messages with seq > after_seq, oldest first (catch-up after a reconnect).
    - before_seq: messages with seq < before_seq, newest page first but returned oldest first
      (scrolling back).
    - around_seq: the page with that seq in its middle, oldest first (a permalink); has_more
      says whether older messages exist (newer ones do while the last seq is below last_seq).
    - none of them: the newest page.
    - changed_after_rev: instead, messages edited, deleted or reacted to since that rev.
    - thread_root_id: only that thread's replies (not its root), paged the same way; timeline:
      only what the room's timeline shows (chat.selectors.thread_scope).
    has_more says whether another page exists in the same direction.
    """
    room = visible_room(user, room_id)
    page_max = settings.CHAT["PAGE_MAX"]
    limit = min(limit or page_max, page_max)
    if sum(cursor is not None for cursor in (after_seq, before_seq, around_seq)) > 1:
        raise exceptions.InvalidPayloadError("Give one of after_seq, before_seq, around_seq.")
    messages = thread_scope.scope(Message.objects.filter(room=room), room, thread_root_id, timeline)
    if around_seq is not None:
        return _around(room, messages, around_seq, limit, user)
    page = _page(messages, after_seq, before_seq, changed_after_rev)
    page = list(page[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    if changed_after_rev is None and after_seq is None:
        page.reverse()
    return _page_data(room, page, has_more, user)


def _page_data(room, page, has_more, user):
    return {
        "room_id": room.pk,
        "messages": message_payloads(page, user),
        "has_more": has_more,
        "last_seq": room.last_seq,
        "last_rev": room.last_rev,
    }


def _around(room, messages, seq, limit, user):
    """The page of ``limit`` messages with ``seq`` in its middle, as room_messages returns it.

    Half are older than ``seq``; where one side has fewer, the other fills the page.
    """
    messages = with_reactions(messages)
    older = list(messages.filter(seq__lt=seq).order_by("-seq")[: limit + 1])
    newer = list(messages.filter(seq__gte=seq).order_by("seq")[:limit])
    newer = newer[: limit - min(len(older), limit // 2)]
    page = older[: limit - len(newer)][::-1] + newer
    return _page_data(room, page, len(older) > limit - len(newer), user)


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
