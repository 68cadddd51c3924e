"""Reads, always scoped by the acting user: a non-member never sees a private room's rows.

Plain synchronous functions returning plain data; the consumer calls them through chat.sync.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from . import exceptions, payloads
from .models import ChatSession, Membership, Message, Reaction, Room


def membership_for(user, room_id, *, lock_room=False):
    """Return the user's membership in the room (room loaded), or raise RoomNotFoundError."""
    memberships = Membership.objects.select_related("room")
    if lock_room:
        # Lock the room row, not the membership: room counters change under this lock.
        memberships = memberships.select_for_update(of=("room",))
    try:
        return memberships.get(room_id=room_id, user=user)
    except Membership.DoesNotExist:
        raise exceptions.RoomNotFoundError() from None


def visible_room(user, room_id):
    """Return a room the user belongs to or may join (a public channel), else raise."""
    room = Room.objects.filter(
        Q(memberships__user=user) | Q(kind=Room.Kind.CHANNEL, is_public=True), pk=room_id
    ).first()
    if room is None:
        raise exceptions.RoomNotFoundError()
    return room


def room_ids_for_user(user_id):
    """Return the ids of every room the user is a member of."""
    return set(Membership.objects.filter(user_id=user_id).values_list("room_id", flat=True))


def room_positions_for_user(user_id):
    """Return [{"id", "last_seq", "last_rev", "last_read_seq", "unread"}] for the user's rooms.

    One indexed query; clients compare these with what they hold to find what they missed.
    """
    rows = Membership.objects.filter(user_id=user_id).values_list(
        "room_id", "room__last_seq", "room__last_rev", "last_read_seq"
    )
    return [
        {
            "id": room_id,
            "last_seq": last_seq,
            "last_rev": last_rev,
            "last_read_seq": last_read_seq,
            "unread": max(last_seq - last_read_seq, 0),
        }
        for room_id, last_seq, last_rev, last_read_seq in rows.order_by("room_id")
    ]


def room_list(*, user):
    """Return the user's rooms with unread counts, most recently active first."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("room")
        .order_by(F("room__last_activity_at").desc(nulls_last=True), "-room__created_at")
    )
    peers = direct_peers(user, [m.room_id for m in memberships if m.room.kind == Room.Kind.DIRECT])
    return {
        "rooms": [
            payloads.room_payload(m.room, membership=m, peer=peers.get(m.room_id))
            for m in memberships
        ]
    }


def direct_peers(user, room_ids):
    """Return {room_id: the other participant} for the given direct rooms."""
    if not room_ids:
        return {}
    others = (
        Membership.objects.filter(room_id__in=room_ids).exclude(user=user).select_related("user")
    )
    return {m.room_id: m.user for m in others}


def room_info(*, user, room_id):
    """Return a visible room with its members (usernames and roles only)."""
    room = visible_room(user, room_id)
    membership = Membership.objects.filter(room=room, user=user).first()
    return {"room": room_detail(room, membership=membership)}


def room_detail(room, *, membership=None):
    """Return the room payload with its member list."""
    members = room.memberships.select_related("user").order_by("joined_at", "pk")
    return payloads.room_payload(room, members=list(members), membership=membership)


def public_channels(*, user):
    """Return the public channels, marking those the user already belongs to."""
    joined = room_ids_for_user(user.pk)
    rooms = Room.objects.filter(kind=Room.Kind.CHANNEL, is_public=True).order_by("name", "pk")
    return {
        "rooms": [
            {**payloads.room_payload(room), "joined": room.pk in joined} for room in rooms[:200]
        ]
    }


def with_reactions(messages):
    """Return a queryset of messages with what their payloads need, in a fixed query count."""
    return messages.select_related("sender", "reply_to", "reply_to__sender").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("pk"))
    )


def message_payloads(messages):
    return [
        payloads.message_payload(m, reactions=m.reactions.all(), reply_to=m.reply_to)
        for m in messages
    ]


def room_messages(
    *, user, room_id, after_seq=None, before_seq=None, changed_after_rev=None, limit=None
):
    """Return one page of a room's history, by seq cursor.

    - after_seq: messages with seq > after_seq, oldest first (catch-up after a reconnect).
    - before_seq: messages with seq < before_seq, newest page first but returned oldest first
      (scrolling back).
    - neither: the newest page.
    - changed_after_rev: instead, messages edited, deleted or reacted to since that rev.
    has_more says whether another page exists in the same direction.
    """
    room = visible_room(user, room_id)
    page_max = settings.CHAT["PAGE_MAX"]
    limit = min(limit or page_max, page_max)
    if after_seq is not None and before_seq is not None:
        raise exceptions.InvalidPayloadError("Give after_seq or before_seq, not both.")
    messages = with_reactions(Message.objects.filter(room=room))
    if changed_after_rev is not None:
        page = list(messages.filter(rev__gt=changed_after_rev).order_by("rev")[: limit + 1])
    elif after_seq is not None:
        page = list(messages.filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
    else:
        if before_seq is not None:
            messages = messages.filter(seq__lt=before_seq)
        page = list(messages.order_by("-seq")[: limit + 1])
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


def away_key(user_id):
    """Cache key present while a user's last socket is closed but offline is not announced.

    In the shared cache (Redis in production), so a socket reopened on any process sees it.
    """
    return f"chat:presence:away:{user_id}"


def online_since():
    """Sessions seen since this moment are live (heartbeats keep them fresh)."""
    return timezone.now() - timedelta(seconds=settings.CHAT["PRESENCE_TTL"])


def online_user_ids(user_ids):
    """Return which of ``user_ids`` are online: a session seen within the presence TTL, or
    one closed so recently that they have not been announced offline (chat.presence)."""
    live = set(
        ChatSession.objects.filter(user_id__in=user_ids, last_seen__gte=online_since()).values_list(
            "user_id", flat=True
        )
    )
    keys = {away_key(user_id): user_id for user_id in user_ids if user_id not in live}
    return live | {keys[key] for key in cache.get_many(keys)}


def presence(*, user, room_id):
    """Return the members of a room the user belongs to who are online now."""
    membership_for(user, room_id)
    members = list(
        Membership.objects.filter(room_id=room_id).select_related("user").order_by("user_id")
    )
    online = online_user_ids([m.user_id for m in members])
    return {
        "room_id": room_id,
        "online": [payloads.user_payload(m.user) for m in members if m.user_id in online],
    }
