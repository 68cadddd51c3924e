"""Reads of rooms and memberships, always scoped by the acting user.

A non-member never sees a private room's rows: a room the user may not see is reported as
missing (RoomNotFoundError), so its existence is not revealed either.
"""

from django.db.models import F

from .. import exceptions, payloads, permissions
from ..models import Membership, Room

PUBLIC_CHANNELS_MAX = 200


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
    """Return a room the user may read (chat.permissions.may_read), else raise.

    Its members' rooms and public channels, never one the user is banned from: a ban hides
    the room's history, details and files, and its messages cannot be forwarded.
    """
    room = Room.objects.filter(permissions.may_read_q(user), pk=room_id).first()
    if room is None:
        raise exceptions.RoomNotFoundError()
    return room


def room_ids_for_user(user_id):
    """Return the ids of every room the user is a member of."""
    return set(Membership.objects.filter(user_id=user_id).values_list("room_id", flat=True))


def room_ids_for_users(user_ids):
    """Return {user id: set of room ids} for ``user_ids`` (one query)."""
    rooms = {user_id: set() for user_id in user_ids}
    for user_id, room_id in Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "room_id"
    ):
        rooms[user_id].add(room_id)
    return rooms


def room_positions_for_user(user_id):
    """Return [{"id", "last_seq", "last_rev", "last_read_seq", "unread", "mentions"}] for the
    user's rooms.

    One indexed query; clients compare these with what they hold to find what they missed.
    """
    return room_positions_for_users({user_id})[user_id]


def room_positions_for_users(user_ids):
    """Return {user id: the user's room positions} for ``user_ids`` (one query)."""
    positions = {user_id: [] for user_id in user_ids}
    rows = Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "room_id", "room__last_seq", "room__last_rev", "last_read_seq", "unread_mentions"
    )
    for user_id, room_id, last_seq, last_rev, last_read_seq, mentions in rows.order_by("room_id"):
        positions[user_id].append(
            {
                "id": room_id,
                "last_seq": last_seq,
                "last_rev": last_rev,
                "last_read_seq": last_read_seq,
                "unread": max(last_seq - last_read_seq, 0),
                "mentions": mentions,
            }
        )
    return positions


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


def public_channels(*, user):
    """Return the public channels, marking those the user already belongs to."""
    joined = room_ids_for_user(user.pk)
    rooms = Room.objects.filter(kind=Room.Kind.CHANNEL, is_public=True).order_by("name", "pk")
    return {
        "rooms": [
            payloads.room_payload(room, joined=room.pk in joined)
            for room in rooms[:PUBLIC_CHANNELS_MAX]
        ]
    }
