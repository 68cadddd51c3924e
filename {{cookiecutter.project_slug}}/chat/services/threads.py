"""Threads: replies kept beside the room's timeline, as in Slack and Element.

A thread reply is a message of its room like any other: it takes the room's next seq (so
catch-up by seq, receipts and unread counts are unchanged), and names its root, a message of
the same room that is not itself a thread reply (one level). The room's timeline shows it
only with also_to_room; clients show the others in the thread's panel. The root keeps the
thread's summary (reply count, last reply time, repliers), updated by the send itself:
chat.sql.thread_summary on PostgreSQL, summary_update() here on other databases.

Following: the root's author (once the thread starts), every replier and everyone a reply
mentions follow the thread, and anyone who reads the room may follow or unfollow it by hand.
Followers who are members hear of replies as thread_reply notifications (chat.notifications,
which applies mutes, blocks and the sender's budget as for mentions and replies).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from .. import broadcast, exceptions, notifications, payloads, protocol, sql
from ..models import Membership, Message, ThreadFollow
from ..selectors.threads import follow_data, root_for_member


@dataclass(frozen=True)
class Placement:
    """Where a message goes: the thread of ``root_id``, and the room's timeline too if
    ``also_to_room``."""

    root_id: int
    also_to_room: bool


def placement(thread_root_id, also_to_room):
    """Return the Placement a message.send asks for (None: a room message), or refuse."""
    if thread_root_id is None:
        if also_to_room:
            raise exceptions.InvalidPayloadError("also_to_room needs a thread_root_id.")
        return None
    return Placement(thread_root_id, bool(also_to_room))


def summary_update(message, rev):
    """Other databases: add ``message`` (just stored, a reply) to its root's summary.

    Runs inside the send's transaction, after the room's seq was taken: the room's lock (or
    SQLite's one writer) already orders the replies, so counting here cannot race.
    """
    root = Message.objects.get(pk=message.thread_root_id)
    ids = list(root.thread_participant_ids)
    sender = message.sender_id
    first_time = sender not in ids and (
        len(ids) < settings.CHAT["THREAD_PARTICIPANTS"]
        or not Message.objects.filter(thread_root=root, sender_id=sender)
        .exclude(pk=message.pk)
        .exists()
    )
    if sender not in ids and len(ids) < settings.CHAT["THREAD_PARTICIPANTS"]:
        ids.append(sender)
    Message.objects.filter(pk=root.pk).update(
        thread_reply_count=F("thread_reply_count") + 1,
        thread_last_reply_at=message.created_at,
        thread_participant_ids=ids,
        thread_participant_count=F("thread_participant_count") + int(first_time),
        rev=rev,
    )


def why_not_reply(room_id, root_id):
    """Raise why a thread reply was refused by a sender who may post in the room, if its
    root is the cause; a root in another room is reported as missing."""
    root = Message.objects.filter(pk=root_id, room_id=room_id).first()
    if root is None:
        raise exceptions.ThreadRootError("No such message in this room to reply to in a thread.")
    if root.thread_root_id is not None:
        raise exceptions.ThreadRootError("A thread reply cannot start a thread (one level only).")
    if root.deleted_at is not None:
        raise exceptions.ThreadRootError("The thread's first message was deleted: no new replies.")


def reply_stored(message):
    """After a thread reply is stored: follows, the root's new summary to the room, and the
    followers to notify (user ids, the sender left out).

    Like notifications, this runs after the reply's own statement committed (outside any
    caller's transaction), so the room's lock that statement took is not held meanwhile and
    replies to a busy thread queue behind nothing but each other's one statement.
    """
    root = Message.objects.only("room_id", "sender_id", "rev", *payloads.THREAD_SUMMARY_FIELDS).get(
        pk=message.thread_root_id
    )
    _follow_on_reply(message, root.sender_id)
    data = {
        "room_id": root.room_id,
        "thread_root_id": root.pk,
        "rev": root.rev,
        "thread": payloads.thread_summary(root),
    }
    broadcast.room_event(root.room_id, protocol.event(protocol.THREAD_UPDATED, data))
    followers = ThreadFollow.objects.filter(root_id=root.pk, following=True)
    return set(followers.exclude(user_id=message.sender_id).values_list("user_id", flat=True))


def _follow_on_reply(message, root_author_id):
    """The replier and the members the reply mentions follow (again); the root's author
    starts following unless they chose not to; the replier has read up to their reply.

    The common reply (no mention, by its root's author or after the first) is one upsert."""
    with connection.cursor() as cursor:
        cursor.execute(*sql.follow_reply(message, timezone.now()))
    root_id = message.thread_root_id
    names = notifications.mentioned_names(message.content) - {notifications.ROOM_MENTION}
    if names:
        members = Membership.objects.filter(room_id=message.room_id).exclude(
            user_id=message.sender_id
        )
        members = members.annotate(name=Lower("user__username")).filter(name__in=names)
        ThreadFollow.objects.bulk_create(
            [
                ThreadFollow(user_id=user_id, root_id=root_id)
                for user_id in members.values_list("user_id", flat=True)
            ],
            update_conflicts=True,
            unique_fields=["user", "root"],
            update_fields=["following"],
        )
    if root_author_id not in (None, message.sender_id):
        ThreadFollow.objects.bulk_create(
            [ThreadFollow(user_id=root_author_id, root_id=root_id)], ignore_conflicts=True
        )


@transaction.atomic
def thread_follow(*, user, thread_root_id):
    """Follow a thread of a room the user is a member of: hear of its replies."""
    return _set_following(user, thread_root_id, True)


@transaction.atomic
def thread_unfollow(*, user, thread_root_id):
    """Stop following a thread; a later reply or mention of the user follows it again."""
    return _set_following(user, thread_root_id, False)


def _set_following(user, root_id, following):
    root, _ = root_for_member(user, root_id)
    follow, _ = ThreadFollow.objects.get_or_create(
        user=user, root=root, defaults={"following": following}
    )
    if follow.following != following:
        follow.following = following
        follow.save(update_fields=["following"])
    return follow_data(follow, root)


@transaction.atomic
def thread_read(*, user, thread_root_id, seq):
    """The user read the thread's replies up to ``seq`` (a room seq; never moves back, never
    past the room's last seq), and so its thread_reply notifications up to there.

    Reading neither follows nor unfollows: a thread the user does not follow keeps no row.
    """
    root, membership = root_for_member(user, thread_root_id)
    seq = min(seq, membership.room.last_seq)
    follow = ThreadFollow.objects.filter(user=user, root=root).first()
    if follow is None:
        follow = ThreadFollow(user=user, root=root, following=False, last_read_seq=seq)
    elif seq > follow.last_read_seq:
        follow.last_read_seq = seq
        follow.save(update_fields=["last_read_seq"])
    notifications.thread_read_up_to(membership, root.pk, seq)
    return follow_data(follow, root)
