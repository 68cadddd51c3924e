"""Who is in a room, a page at a time.

A channel may hold thousands of members (CHAT["CHANNEL_MAX_MEMBERS"]): a whole member list
in every room payload made room.info, room.created and each room.update 160 KiB at 3,000
members, sent to every online member. So room payloads carry the first CHAT["MEMBERS_PAGE"]
members and the count, and room.members returns the rest, in join order, a page at a time.
The cursor is the last membership's id: members who join meanwhile come after it, so paging
returns every member once.
"""

from django.conf import settings

from .. import exceptions, payloads
from ..models import Membership
from .rooms import visible_room


def room_info(*, user, room_id):
    """Return a visible room with its first members (usernames and roles only) and count."""
    room = visible_room(user, room_id)
    membership = Membership.objects.filter(room=room, user=user).first()
    return {"room": room_detail(room, membership=membership)}


def room_detail(room, *, membership=None):
    """The room payload with its first page of members, their count and the cursor of the
    next page (below)."""
    memberships, cursor = membership_page(room)
    return payloads.room_payload(
        room,
        membership=membership,
        members=memberships,
        cursor=cursor,
        member_count=room.memberships.count(),
    )


def room_summary(room, *, membership=None):
    """The room payload with its member count and no members: room.updated and the
    room.update reply, which every online member of a large channel receives."""
    return payloads.room_payload(room, membership=membership, member_count=room.memberships.count())


def room_members(*, user, room_id, cursor=None, prefix=None):
    """Return {"room_id", "members", "member_count", "next_cursor"} of a visible room.

    ``prefix`` keeps the members whose username starts with it (case-insensitive): the
    page's mention autocomplete asks for these in a room too large to hold whole.
    """
    room = visible_room(user, room_id)
    after = _parse_cursor(cursor)
    members, next_cursor = members_page(room, after=after, prefix=prefix)
    return {
        "room_id": room.pk,
        "members": members,
        "member_count": room.memberships.count(),
        "next_cursor": next_cursor,
    }


def members_page(room, *, after=None, prefix=None):
    """Return (member payloads, next cursor or None): MEMBERS_PAGE members in join order."""
    memberships, cursor = membership_page(room, after=after, prefix=prefix)
    return [payloads.member_payload(m) for m in memberships], cursor


def membership_page(room, *, after=None, prefix=None):
    """Return (memberships with their users, next cursor or None): the first MEMBERS_PAGE
    after the cursor ``after``, of members whose username starts with ``prefix``."""
    size = settings.CHAT["MEMBERS_PAGE"]
    memberships = room.memberships.select_related("user").order_by("pk")
    if after is not None:
        memberships = memberships.filter(pk__gt=after)
    if prefix:
        memberships = memberships.filter(user__username__istartswith=prefix)
    rows = list(memberships[: size + 1])
    next_cursor = str(rows[size - 1].pk) if len(rows) > size else None
    return rows[:size], next_cursor


def _parse_cursor(cursor):
    if cursor is None:
        return None
    try:
        return int(cursor)
    except ValueError:
        raise exceptions.InvalidPayloadError("cursor is not one room.members returned.") from None
