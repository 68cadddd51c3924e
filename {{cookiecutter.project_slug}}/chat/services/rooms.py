"""Rooms: creating, changing, joining, leaving, muting and deleting them.

Each service takes the acting user first, checks permission (chat.permissions), runs in one
transaction, and returns plain data ready for the protocol. What other sockets must learn is
handed to chat.broadcast, which sends it only after the transaction commits.
"""

from django.db import IntegrityError, transaction

from .. import broadcast, exceptions, permissions, protocol, selectors
from ..models import Block, Membership, Room, RoomBan, direct_key_for
from .members import (
    add_memberships,
    add_or_invite,
    announce_joined,
    announce_removed,
    announce_updated,
    hand_over,
    set_admins,
)
from .users import users_by_username

# The settings each kind of room has, beyond a name and a description.
KIND_SETTINGS = {
    Room.Kind.GROUP: {"posting_locked", "max_members"},
    Room.Kind.CHANNEL: {"is_public"},
}
BANNED_DETAIL = "You are banned from this room."
REFUSALS = {
    "is_public": "Only channels can be public.",
    "posting_locked": "posting_locked applies to groups only.",
    "max_members": "max_members applies to groups only.",
}


def check_settings(kind, settings, *, member_count=0):
    """Refuse settings a room of ``kind`` does not have, or values it cannot take.

    The one check for room.create and room.update. A setting the kind lacks may be given
    its off value (false, or null), which changes nothing.
    """
    for setting, refusal in REFUSALS.items():
        off = settings.get(setting) in (None, False)
        if not off and setting not in KIND_SETTINGS.get(kind, ()):
            raise exceptions.InvalidPayloadError(refusal)
    if "name" in settings and not settings["name"].strip():
        raise exceptions.InvalidPayloadError("Groups and channels need a name.")
    if settings.get("max_members") is not None and settings["max_members"] < member_count:
        raise exceptions.InvalidPayloadError("max_members is below the current member count.")


def room_create(
    *,
    user,
    kind,
    name="",
    description="",
    members=(),
    is_public=False,
    posting_locked=False,
    max_members=None,
):
    """Create a room with the creator as admin; a direct room between a pair is reused.

    Nobody is put in a group or channel by someone they block (they are not found, as in
    room.add_members); a direct room with them is refused as a block (BLOCKED_DETAIL).
    """
    found = users_by_username(members, by=user, addable=kind != Room.Kind.DIRECT)
    others = [u for u in found if u.pk != user.pk]
    if kind == Room.Kind.DIRECT:
        return _direct_room_create(user=user, others=others)
    options = {"is_public": is_public, "posting_locked": posting_locked}
    check_settings(kind, {"name": name, "max_members": max_members, **options})
    with transaction.atomic():
        room = Room.objects.create(
            kind=kind,
            name=name.strip(),
            description=description,
            max_members=max_members,
            created_by=user,
            **options,
        )
        creator = add_memberships(room, [user], role=Membership.Role.ADMIN)
        added, _ = add_or_invite(room, user, others)
        detail = selectors.room_detail(room, membership=creator[0])
        announce_joined(room, creator + added)
    return {"room": detail}


def _direct_room_create(*, user, others):
    if len(others) != 1:
        raise exceptions.InvalidPayloadError("A direct room has exactly one other member.")
    other = others[0]
    key = direct_key_for(user.pk, other.pk)
    existing = Room.objects.filter(direct_key=key).first()
    if existing is not None:
        return _own_view(existing, user)
    if Block.objects.filter(blocker=other, blocked=user).exists():
        raise exceptions.ForbiddenError(permissions.BLOCKED_DETAIL)
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_key=key, created_by=user)
            memberships = add_memberships(room, [user, other])
            if Block.objects.filter(blocker=user, blocked=other).exists():
                room.memberships.filter(user=other).update(blocked_by_peer=True)
            detail = selectors.room_detail(room, membership=memberships[0])
            announce_joined(room, memberships)
    except IntegrityError:
        # The other person created the same pair's room at the same moment: use theirs.
        return _own_view(Room.objects.get(direct_key=key), user)
    return {"room": detail}


def _own_view(room, user):
    membership = Membership.objects.get(room=room, user=user)
    return {"room": selectors.room_detail(room, membership=membership)}


@transaction.atomic
def room_update(*, user, room_id, admins=None, **changes):
    """Change a group's or channel's settings or admins (admins only)."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    permissions.require_admin(membership)
    room = membership.room
    permissions.require_not_direct(room, "update")
    check_settings(room.kind, changes, member_count=room.memberships.count())
    if changes:
        for field, value in changes.items():
            setattr(room, field, value)
        room.save(update_fields=list(changes))
    changed = set_admins(room, admins, by=user) if admins is not None else []
    # The room hears what changed; only the reply carries the admin's own membership.
    roles = announce_updated(room, changed)
    membership.refresh_from_db(fields=["role"])
    return {"room": selectors.room_summary(room, membership=membership), "roles": roles}


@transaction.atomic
def room_delete(*, user, room_id):
    """Delete a group or channel and its history (admins only)."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    permissions.require_admin(membership)
    permissions.require_not_direct(membership.room, "delete")
    member_ids = list(Membership.objects.filter(room_id=room_id).values_list("user_id", flat=True))
    membership.room.delete()
    for member_id in member_ids:
        broadcast.membership_changed(
            member_id,
            room_id,
            joined=False,
            envelope=protocol.event(protocol.ROOM_DELETED, {"room_id": room_id}),
        )
    return {"room_id": room_id}


@transaction.atomic
def room_join(*, user, room_id):
    """Join a public channel; joining one already joined returns it unchanged."""
    membership = Membership.objects.select_related("room").filter(room_id=room_id, user=user)
    membership = membership.first() or _join_public_channel(user, room_id)
    return {"room": selectors.room_detail(membership.room, membership=membership)}


def _join_public_channel(user, room_id):
    room = Room.objects.filter(pk=room_id, kind=Room.Kind.CHANNEL, is_public=True).first()
    if room is None:
        raise exceptions.RoomNotFoundError()
    # Said plainly: the banned user heard room.removed with the reason "banned".
    if RoomBan.objects.filter(room=room, user=user).exists():
        raise exceptions.ForbiddenError(BANNED_DETAIL)
    (membership,) = add_memberships(room, [user])
    announce_joined(room, [membership])
    return membership


@transaction.atomic
def room_leave(*, user, room_id):
    """Leave a group or channel; an emptied room is deleted, a leaderless one gets an admin."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    room = membership.room
    permissions.require_not_direct(room, "leave")
    hand_over(room, user.pk)
    membership.delete()
    if not room.memberships.exists():
        room.delete()
    announce_removed(room_id, [user.pk], reason="left")
    return {"room_id": room_id}


@transaction.atomic
def rooms_forget_user(*, user):
    """Before a user is deleted: hand over the rooms they lead, tell the rooms they are gone.

    Their memberships are then deleted with them (CASCADE); direct rooms keep the other
    participant and the history, and are told too: the other's page names them no longer.
    """
    memberships = Membership.objects.filter(user=user).exclude(room__kind=Room.Kind.DIRECT)
    for membership in memberships.select_related("room").select_for_update(of=("room",)):
        hand_over(membership.room, user.pk)
        announce_removed(membership.room_id, [user.pk], reason="deleted")
    direct = Membership.objects.filter(user=user, room__kind=Room.Kind.DIRECT)
    for room_id in direct.order_by("room_id").values_list("room_id", flat=True):
        announce_removed(room_id, [user.pk], reason="deleted")


@transaction.atomic
def room_mute(*, user, room_id, muted):
    """Mute or unmute a room for the user: no unread badge, no notifications from it."""
    membership = selectors.membership_for(user, room_id)
    data = {"room_id": room_id, "muted": muted}
    if membership.muted != muted:
        membership.muted = muted
        membership.save(update_fields=["muted"])
        broadcast.user_event(user.pk, protocol.event(protocol.ROOM_MUTED, data))
    return data
