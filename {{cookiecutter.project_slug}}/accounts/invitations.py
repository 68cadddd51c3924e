"""Invitations to sign up: who may join a site whose sign-up is by invitation (CHAT_SIGNUP).

An invitation is a link with a random token, made by an admin (or, with
CHAT_SIGNUP_INVITES_BY_MEMBERS, by any member): for one email address (the link is emailed
there, and signing up through it confirms that address) or for anyone holding the link. It
expires, has a use limit, and may name rooms the newcomer joins. Only a digest of the token
is stored: a copy of the database opens nothing, and the link is shown once, when made.

Opening the link keeps its token in the visitor's session (accounts.invitation_views); the
sign-up takes one of its uses in the transaction that creates the account (use), so two
people racing for the last use cannot both get in.
"""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from chat.exceptions import RoomFullError
from chat.models import Room
from chat.services.members import add_memberships, announce_joined

from .models import SignupInvitation

SESSION_KEY = "accounts.signup_invitation"


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_token():
    return secrets.token_urlsafe(24)


def create(*, created_by, days, email="", max_uses=1, rooms=()):
    """Make an invitation; return it and its token (shown once, never stored)."""
    token = new_token()
    invitation = SignupInvitation.objects.create(
        token_digest=digest(token),
        email=email,
        max_uses=max_uses,
        expires_at=timezone.now() + timedelta(days=days),
        created_by=created_by,
    )
    invitation.rooms.set(rooms)
    return invitation, token


def link(request, token):
    return request.build_absolute_uri(reverse("accept_invitation", args=[token]))


def send(request, invitation, token):
    """Email the link to the invitation's address."""
    context = {"invitation": invitation, "link": link(request, token), "inviter": request.user}
    get_adapter().send_mail("account/email/signup_invitation", invitation.email, context)


def usable(token):
    """The invitation ``token`` stands for if it has not expired nor been used up, else None."""
    if not isinstance(token, str) or not token:
        return None
    return SignupInvitation.objects.usable().filter(token_digest=digest(token)).first()


def pending(request):
    """The usable invitation the visitor opened in this session, or None."""
    return usable(request.session.get(SESSION_KEY))


@transaction.atomic
def use(request, user):
    """Spend one use of the session's invitation on ``user`` and join its rooms; False if
    none is left (it expired, or others used it up meanwhile)."""
    invitation = pending(request)
    if invitation is None:
        return False
    spent = SignupInvitation.objects.usable().filter(pk=invitation.pk)
    if not spent.update(uses=F("uses") + 1):
        return False
    join_rooms(invitation, user)
    request.session.pop(SESSION_KEY, None)
    return True


def admit(request, user):
    """Spend the session's invitation on the new account ``user``, however it was made (the
    sign-up form, or single sign-on: accounts.sso), in the caller's transaction. Where sign-up
    is by invitation, none left refuses the account: the transaction is undone. Where it is
    open, an invitation still counts its use and brings its rooms."""
    used = use(request, user)
    if settings.CHAT_SIGNUP == "invite" and not used:
        raise PermissionDenied("This invitation has expired or been used up.")


def join_rooms(invitation, user):
    """Put the newcomer into the invitation's groups and channels: signing up through it is
    their consent. A room that is full meanwhile is left out, not the sign-up."""
    rooms = invitation.rooms.exclude(kind=Room.Kind.DIRECT).select_for_update()
    for room in rooms.order_by("pk"):
        try:
            with transaction.atomic():
                memberships = add_memberships(room, [user])
        except RoomFullError:
            continue
        transaction.on_commit(lambda room=room, new=memberships: announce_joined(room, new))
