"""Answering invitations: accepting one joins its room, declining one drops it.

chat.services.members.add_or_invite makes them: nobody is put into a group or channel
without consent unless they already share a conversation with whoever adds them. Until they
accept, the invited are not members: they see the room's name and kind, never its messages,
and are neither mentioned nor emailed from it.
"""

from django.db import transaction

from .. import exceptions, selectors
from ..models import Membership, Room, RoomBan, RoomInvitation
from .members import add_memberships, announce_joined

BANNED_DETAIL = "You are banned from this room."


def _own_invitation(user, invitation_id):
    invitation = RoomInvitation.objects.filter(pk=invitation_id, user=user).first()
    if invitation is None:
        raise exceptions.InvitationNotFoundError()
    return invitation


@transaction.atomic
def invitation_accept(*, user, invitation_id):
    """Join the room an invitation is for; the invitation is used up either way."""
    invitation = _own_invitation(user, invitation_id)
    room = Room.objects.select_for_update().get(pk=invitation.room_id)
    invitation.delete()
    if RoomBan.objects.filter(room=room, user=user).exists():
        raise exceptions.ForbiddenError(BANNED_DETAIL)
    membership = Membership.objects.filter(room=room, user=user).first()
    if membership is None:
        (membership,) = add_memberships(room, [user])
        announce_joined(room, [membership])
    return {"room": selectors.room_detail(room, membership=membership)}


@transaction.atomic
def invitation_decline(*, user, invitation_id):
    """Say no: the invitation goes, and the inviter may ask again later."""
    _own_invitation(user, invitation_id).delete()
    return {"invitation_id": invitation_id}
