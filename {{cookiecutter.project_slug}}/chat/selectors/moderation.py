"""Reads of moderation: whom a user blocks, and who is banned from a room."""

from .. import payloads, permissions
from ..models import Block, RoomBan
from .rooms import membership_for

BANS_MAX = 500


def user_blocks(*, user):
    """Return the users the user blocks, most recent first."""
    blocks = Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")
    return {"users": [payloads.user_payload(block.blocked) for block in blocks]}


def blocked_ids_for_users(user_ids):
    """Return {user id: set of the ids of the users they block} for ``user_ids`` (one query)."""
    blocked = {user_id: set() for user_id in user_ids}
    rows = Block.objects.filter(blocker_id__in=user_ids).values_list("blocker_id", "blocked_id")
    for blocker_id, blocked_id in rows:
        blocked[blocker_id].add(blocked_id)
    return blocked


def room_bans(*, user, room_id):
    """Return a room's bans, most recent first (room admins only)."""
    permissions.require_admin(membership_for(user, room_id))
    bans = (
        RoomBan.objects.filter(room_id=room_id)
        .select_related("user", "banned_by")
        .order_by("-created_at", "-pk")
    )
    return {"room_id": room_id, "bans": [payloads.ban_payload(ban) for ban in bans[:BANS_MAX]]}
