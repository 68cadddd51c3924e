"""Reads of threads: whose root a user may act on, and the threads a user follows.

One thread's replies are a room.messages page with thread_root_id (chat.selectors.messages,
which cuts it with chat.selectors.thread_scope).
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from .. import exceptions
from ..models import Message, ThreadFollow
from . import messages as message_reads

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def root_for_member(user, root_id):
    """Return (root, membership) for a thread's root in one of the user's rooms, else raise.

    Missing, or in a room the user is not a member of: message_not_found, as for every event
    naming a message. A thread reply: invalid_thread_root (threads are one level deep).
    """
    message, membership = message_reads.message_for_member(user, root_id)
    if message.thread_root_id is not None:
        raise exceptions.ThreadRootError("A thread reply has no thread of its own; use its root.")
    return message, membership


def follow_data(follow, root):
    """The reply of thread.follow, thread.unfollow and thread.read."""
    return {
        "room_id": root.room_id,
        "thread_root_id": root.pk,
        "following": follow.following,
        "last_read_seq": follow.last_read_seq,
    }


def threads_list(*, user, cursor=None, limit=None):
    """Return one page of the threads the user follows in rooms they are a member of, the
    latest reply first, each with its root and how many replies of others are unread.

    Two queries whatever the page's size: the follows with their unread counts (each an
    index range of the thread), then the roots with what their payloads need.
    """
    page_max = settings.CHAT["THREADS_LIST_MAX"]
    limit = min(limit or page_max, page_max)
    follows = ThreadFollow.objects.filter(
        user=user, following=True, root__room__memberships__user=user
    ).annotate(
        active=Coalesce("root__thread_last_reply_at", "root__created_at"),
        unread=Coalesce(Subquery(_unread(user)), Value(0), output_field=IntegerField()),
    )
    if cursor is not None:
        at, root_id = _decode(cursor)
        follows = follows.filter(Q(active__lt=at) | Q(active=at, root_id__lt=root_id))
    page = list(follows.order_by("-active", "-root_id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    roots = message_reads.with_reactions(Message.objects.filter(pk__in=[f.root_id for f in page]))
    by_id = {m.pk: p for m, p in zip(roots, message_reads.message_payloads(roots), strict=True)}
    return {
        "threads": [
            {"root": by_id[f.root_id], "last_read_seq": f.last_read_seq, "unread": f.unread}
            for f in page
        ],
        "next_cursor": _encode(page[-1]) if more else None,
    }


def _unread(user):
    """The count of a followed thread's replies past the follower's read position, not
    their own."""
    replies = Message.objects.filter(
        thread_root_id=OuterRef("root_id"), seq__gt=OuterRef("last_read_seq")
    ).exclude(sender=user)
    return replies.order_by().values("thread_root_id").annotate(n=Count("pk")).values("n")


def _encode(follow):
    return f"{(follow.active - EPOCH) // timedelta(microseconds=1)}:{follow.root_id}"


def _decode(cursor):
    micros, root_id = cursor.split(":")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(root_id)
    except OverflowError:
        raise exceptions.InvalidPayloadError("cursor: not a next_cursor of threads.list.") from None
