"""Moderation: blocking users, reporting messages, banning members from rooms.

A block is one user's choice and concerns the two users only: the blocked user cannot open
or post in a direct room with the blocker (the room stays, readable by both), and the
blocker's page collapses their messages. Reports go to the room's admins at once and to the
site's moderators, whose queue is the Django admin. A ban removes a member from a room and
keeps them out, public channels included, until a room admin lifts it.

The functions without a ``user`` (remove_from_room, ban_from_room, the announce_* ones) are the
Django admin's: a site moderator acts above room roles, and what they change reaches open
sockets the same way.
"""

from django.db import transaction
from django.utils import timezone

from .. import broadcast, exceptions, payloads, permissions, protocol, selectors
from ..models import Block, Membership, Report, Room, RoomBan, direct_key_for
from .members import announce_joined, announce_removed, announce_updated, hand_over
from .users import any_user, users_by_username


def _one_user(username, *, by):
    return users_by_username([username], by=by)[0]


def _set_direct_block(blocker, blocked, value):
    """Let or stop ``blocked`` posting in their direct room with ``blocker``, if there is one."""
    Membership.objects.filter(
        room__direct_key=direct_key_for(blocker.pk, blocked.pk), user=blocked
    ).update(blocked_by_peer=value)


@transaction.atomic
def user_block(*, user, username):
    """Block a user: no direct messages, reactions to one's messages, typing shown, or being put
    in rooms by them; the blocker's sockets hear user.blocked and stop showing their typing."""
    target = _one_user(username, by=user)
    if target.pk == user.pk:
        raise exceptions.InvalidPayloadError("You cannot block yourself.")
    _, created = Block.objects.get_or_create(blocker=user, blocked=target)
    data = {"user": payloads.user_payload(target)}
    if created:
        _set_direct_block(user, target, True)
        envelope = protocol.event(protocol.USER_BLOCKED, data)
        broadcast.user_event(user.pk, envelope, block=(target.pk, True))
    return data


@transaction.atomic
def user_unblock(*, user, username):
    """Lift a block; unblocking someone not blocked changes nothing."""
    target = any_user(username, by=user)
    deleted, _ = Block.objects.filter(blocker=user, blocked=target).delete()
    data = {"user": payloads.user_payload(target)}
    if deleted:
        _set_direct_block(user, target, False)
        envelope = protocol.event(protocol.USER_UNBLOCKED, data)
        broadcast.user_event(user.pk, envelope, block=(target.pk, False))
    return data


@transaction.atomic
def message_report(*, user, message_id, reason):
    """Report a message of a room the user is in; its room's admins hear message.reported.

    Reporting the same message again returns the first report and tells no one again.
    """
    message, _ = selectors.message_for_member(user, message_id)
    if message.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    if message.sender_id == user.pk:
        raise exceptions.InvalidPayloadError("You cannot report your own message.")
    report, created = Report.objects.get_or_create(
        message=message, reporter=user, defaults={"reason": reason}
    )
    if created:
        envelope = protocol.event(
            protocol.MESSAGE_REPORTED, {"report": payloads.report_payload(report)}
        )
        admins = Membership.objects.filter(room_id=message.room_id, role=Membership.Role.ADMIN)
        for admin_id in admins.exclude(user=user).values_list("user_id", flat=True):
            broadcast.user_event(admin_id, envelope)
    return {"report_id": report.pk, "message_id": message.pk}


@transaction.atomic
def room_ban(*, user, room_id, username, reason=""):
    """Ban a user from a group or channel (admins; admins only by the owner)."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    target = _one_user(username, by=user)
    permissions.require_may_ban(membership, target)
    return ban_from_room(membership.room, target, by=user, reason=reason)


@transaction.atomic
def room_unban(*, user, room_id, username):
    """Lift a ban (room admins): the user may join or be added again."""
    membership = selectors.membership_for(user, room_id)
    permissions.require_admin(membership)
    target = any_user(username, by=user)
    RoomBan.objects.filter(room_id=room_id, user=target).delete()
    return {"room_id": room_id, "user": payloads.user_payload(target)}


def ban_from_room(room, target, *, by=None, reason=""):
    """Record the ban and remove the user from the room; a ban already there is kept."""
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError(permissions.DIRECT_REFUSALS["change_members"])
    RoomBan.objects.get_or_create(
        room=room, user=target, defaults={"banned_by": by, "reason": reason}
    )
    remove_from_room(room, target, reason="banned")
    return {"room_id": room.pk, "user": payloads.user_payload(target)}


def remove_from_room(room, target, *, reason="removed"):
    """Remove a member (the room keeps a leader); their sockets leave the room at once."""
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError(permissions.DIRECT_REFUSALS["change_members"])
    with transaction.atomic():
        membership = room.memberships.filter(user=target).first()
        if membership is None:
            return
        hand_over(room, target.pk)
        membership.delete()
        announce_removed(room.pk, [target.pk], reason=reason)


def announce_added(membership):
    """A moderator added a membership: its user's sockets join the room at once."""
    announce_joined(membership.room, [membership])


def announce_deleted(room_id, user_id):
    """A moderator deleted a membership: its user's sockets leave the room at once."""
    announce_removed(room_id, [user_id], reason="removed")


def announce_room_changed(room, memberships=()):
    """A moderator changed a room's settings or ``memberships``' roles: room.updated."""
    announce_updated(room, memberships)


def announce_room_deleted(room_id, member_ids):
    """A moderator deleted a room: its members' sockets leave it and hear room.deleted."""
    envelope = protocol.event(protocol.ROOM_DELETED, {"room_id": room_id})
    for member_id in member_ids:
        broadcast.membership_changed(member_id, room_id, joined=False, envelope=envelope)


def resolve_reports(reports, resolution):
    """Mark reports handled by a moderator's action."""
    reports.update(resolved_at=timezone.now(), resolution=resolution)
