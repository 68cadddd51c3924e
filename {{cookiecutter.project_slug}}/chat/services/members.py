"""Who is in a room: adding, inviting, removing and announcing members, keeping a room led.

Nobody is put into a group or channel without consent: add_or_invite adds at once only the
people chat.permissions.addable_without_consent allows (those the inviter already shares a
conversation with, or anyone for a site admin) and invites everyone else (room.invited on
their sockets; chat.services.invitations answers).

Membership rows are the only source of who is where. Every change here tells the users'
sockets to join or leave the room's group (chat.broadcast.membership_changed), on whichever
process holds them, and tells the room who arrived or left.
"""

from django.conf import settings
from django.db import transaction

from .. import broadcast, exceptions, payloads, permissions, protocol, selectors
from ..models import Membership, Room, RoomBan, RoomInvitation
from ..payloads import invitation_payload
from .users import users_by_username


def member_cap(room):
    """Return how many members the room may hold."""
    site_cap = settings.CHAT["GROUP_MAX_MEMBERS"]
    if room.kind == Room.Kind.DIRECT:
        return 2
    if room.kind == Room.Kind.GROUP and room.max_members:
        return min(room.max_members, site_cap)
    if room.kind == Room.Kind.CHANNEL:
        return settings.CHAT["CHANNEL_MAX_MEMBERS"]
    return site_cap


def add_memberships(room, users, *, role=Membership.Role.MEMBER):
    """Add users who are not members yet; return the new memberships.

    New members start with everything before their arrival marked read.
    """
    existing = set(room.memberships.values_list("user_id", flat=True))
    new_users = [user for user in users if user.pk not in existing]
    cap = member_cap(room)
    if cap is not None and len(existing) + len(new_users) > cap:
        raise exceptions.RoomFullError(f"This room is limited to {cap} members.")
    memberships = Membership.objects.bulk_create(
        [
            Membership(room=room, user=user, role=role, last_read_seq=room.last_seq)
            for user in new_users
        ]
    )
    for membership in memberships:
        membership.room = room
    return memberships


def add_or_invite(room, inviter, users):
    """Add who may be added at once and invite the others; return (memberships, invited).

    ``users`` come from users_by_username, which already answers for anyone blocking the
    inviter as for an unknown name.
    """
    users = [user for user in users if user.pk != inviter.pk]
    at_once = permissions.addable_without_consent(inviter, users)
    added = add_memberships(room, [user for user in users if user.pk in at_once])
    asked = _invite(room, inviter, [user for user in users if user.pk not in at_once])
    return added, asked


def _invite(room, inviter, users):
    """Invite users who are not members; tell the newly invited; return how many are asked.

    Asking again someone already invited sends nothing new: one pending invitation a room.
    """
    members = set(room.memberships.values_list("user_id", flat=True))
    users = [user for user in users if user.pk not in members]
    pending = set(room.invitations.values_list("user_id", flat=True))
    invitations = RoomInvitation.objects.bulk_create(
        RoomInvitation(room=room, user=user, invited_by=inviter)
        for user in users
        if user.pk not in pending
    )
    for invitation in invitations:
        data = {"invitation": invitation_payload(invitation)}
        broadcast.user_event(invitation.user_id, protocol.event(protocol.ROOM_INVITED, data))
    return len(users)


def announce_joined(room, memberships):
    """Tell new members' sockets to join the room; tell the room who arrived."""
    if not memberships:
        return
    detail = selectors.room_detail(room)
    for membership in memberships:
        broadcast.membership_changed(
            membership.user_id,
            room.pk,
            joined=True,
            envelope=protocol.event(protocol.ROOM_CREATED, {"room": detail}),
        )
    members = [payloads.member_payload(m) for m in memberships]
    data = {"room_id": room.pk, "members": members}
    broadcast.room_event(room.pk, protocol.event(protocol.ROOM_MEMBERS_ADDED, data))


def announce_removed(room_id, user_ids, *, reason):
    """Make removed users' sockets leave the room at once; tell the remaining members."""
    if not user_ids:
        return
    for user_id in user_ids:
        broadcast.membership_changed(
            user_id,
            room_id,
            joined=False,
            envelope=protocol.event(protocol.ROOM_REMOVED, {"room_id": room_id, "reason": reason}),
        )
    data = {"room_id": room_id, "user_ids": sorted(user_ids)}
    if reason == "deleted":
        # Open pages show their messages as a deleted user's without reloading them.
        data["accounts_deleted"] = True
    broadcast.room_event(room_id, protocol.event(protocol.ROOM_MEMBERS_REMOVED, data))


def hand_over(room, leaving_user_id):
    """Keep a room led when a member leaves: an owner who is a member, and an admin.

    The owner (created_by) alone manages admins and cannot be demoted or removed by them.
    When the owner goes, ownership passes to the longest-standing admin, else to the
    longest-standing member, who becomes an admin.

    A promotion is announced at once (room.updated), before the leaver's removal, whose
    room.members_removed then counts them out: the new admin's pages offer the admin's
    controls, and the other members' show the new role, without a reload.
    """
    others = room.memberships.exclude(user_id=leaving_user_id).order_by("joined_at", "pk")
    successor = others.filter(role=Membership.Role.ADMIN).first()
    if successor is None:
        successor = others.select_related("user").first()
        if successor is None:
            return
        successor.role = Membership.Role.ADMIN
        successor.save(update_fields=["role"])
        announce_updated(room, [successor])
    if room.created_by_id in (None, leaving_user_id):
        room.created_by_id = successor.user_id
        room.save(update_fields=["created_by"])


def set_admins(room, admins, *, by):
    """Make exactly ``admins`` the room's admins (its owner only; the owner stays one).

    Returns the memberships whose role changed, for room.updated to carry them alone.
    """
    permissions.require_owner(room, by, "Only the room's owner can change its admins.")
    admin_ids = {u.pk for u in users_by_username(admins, by=by)}
    if room.memberships.filter(user_id__in=admin_ids).count() != len(admin_ids):
        raise exceptions.InvalidPayloadError("Admins must be members of the room.")
    if by.pk not in admin_ids:
        raise exceptions.InvalidPayloadError("The room's owner is always one of its admins.")
    admins_before = room.memberships.filter(role=Membership.Role.ADMIN)
    changed_ids = set(admins_before.values_list("user_id", flat=True)) ^ admin_ids
    room.memberships.filter(user_id__in=admin_ids).update(role=Membership.Role.ADMIN)
    room.memberships.exclude(user_id__in=admin_ids).update(role=Membership.Role.MEMBER)
    changed = room.memberships.filter(user_id__in=changed_ids).select_related("user")
    return list(changed.order_by("pk"))


def announce_updated(room, changed_roles=()):
    """Tell the room its settings changed, and whose role: never its whole member list."""
    data = {
        "room": selectors.room_summary(room),
        "roles": [payloads.member_payload(m) for m in changed_roles],
    }
    broadcast.room_event(room.pk, protocol.event(protocol.ROOM_UPDATED, data))
    return data["roles"]


def _room_for_member_changes(user, room_id):
    """Return the locked room whose members ``user`` (an admin) may change, else raise."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    permissions.require_admin(membership)
    permissions.require_not_direct(membership.room, "change_members")
    return membership.room


@transaction.atomic
def room_add_members(*, user, room_id, members):
    """Add users to a group or channel (admins only; never someone who blocks them)."""
    room = _room_for_member_changes(user, room_id)
    # Whoever blocks the adder is not found (chat.services.users): a block keeps one out of
    # the blocked user's rooms.
    users = users_by_username(members, by=user, addable=True)
    banned = list(
        RoomBan.objects.filter(room=room, user__in=users).values_list("user__username", flat=True)
    )
    if banned:
        raise exceptions.ForbiddenError(f"Banned from this room: {', '.join(sorted(banned))}.")
    added, invited = add_or_invite(room, user, users)
    announce_joined(room, added)
    return {
        "room_id": room.pk,
        "added": [payloads.member_payload(m) for m in added],
        "invited": invited,
    }


@transaction.atomic
def room_remove_members(*, user, room_id, members):
    """Remove members (admins only; other admins only by the owner; never the owner)."""
    room = _room_for_member_changes(user, room_id)
    users = users_by_username(members, by=user)
    targets = Membership.objects.filter(room=room, user__in=users).exclude(user=user)
    if targets.filter(user_id=room.created_by_id).exists():
        raise exceptions.ForbiddenError("The room's owner cannot be removed.")
    if targets.filter(role=Membership.Role.ADMIN).exists():
        permissions.require_owner(room, user, "Only the room's owner can remove admins.")
    removed = list(targets.values_list("user_id", flat=True))
    targets.delete()
    announce_removed(room.pk, removed, reason="removed")
    return {"room_id": room.pk, "removed": sorted(removed)}
