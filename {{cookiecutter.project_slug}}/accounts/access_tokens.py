"""Personal access tokens: programs get into the chat without the user's password.

POST /api/token/ with a username and password would let a program (or anyone holding the
password) past a second factor. Users make tokens on their account page instead
(/accounts/tokens/, after confirming their password or second factor again); a token is
shown once, stored as its sha256 digest only, can be given an expiry, is revoked by deleting
it, and stands for one thing only: the chat. A program sends it as ``Authorization: Bearer
chatpat_...`` to POST /api/token/ (for a short-lived socket token) or to POST /api/ticket/
(for a socket ticket). A user with a second factor cannot use the password on the token
endpoint at all (password_path_allowed).

What a token mints names it (chat.auth), so revoking it ends everything opened with it and
nothing else: the sockets opened with it close with 4010 on every process at once
(chat.signals), and the socket tokens and tickets minted with it open nothing more, unexpired
as they are. The user's other sockets (their browser tabs, their other tokens' programs) stay
open. An expiry, or a revocation whose event was lost, closes them within
CHAT["REVALIDATE_INTERVAL"] (chat.revalidation).

A token is random (256 bits): its digest needs no salt or slow hash, as a password's does.
"""

import hashlib
import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import AccessToken

PREFIX = "chatpat_"


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create(user, name, days=None):
    """Make a token for ``user``; return its row and the token (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days) if days else None
    row = AccessToken.objects.create(
        user=user,
        name=name,
        digest=digest(token),
        prefix=token[: len(PREFIX) + 4],
        expires_at=expires_at,
    )
    return row, token


def is_access_token(value):
    return isinstance(value, str) and value.startswith(PREFIX)


def find(token):
    """The valid, unexpired token of an active user (``user`` loaded, its use noted), or None."""
    if not is_access_token(token) or len(token) > 200:
        return None
    row = AccessToken.objects.select_related("user").filter(digest=digest(token)).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    AccessToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def live(token_ids):
    """Return {token id: user id} of those ``token_ids`` neither revoked nor expired.

    What a connect, a heartbeat and the revalidation timer check for what a token minted.
    """
    if not token_ids:
        return {}
    unexpired = Q(expires_at=None) | Q(expires_at__gt=timezone.now())
    return dict(
        AccessToken.objects.filter(unexpired, pk__in=token_ids).values_list("pk", "user_id")
    )


def has_second_factor(user):
    if not apps.is_installed("allauth.mfa"):
        return False
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk).exists()


def password_path_allowed(user):
    """Whether ``user`` may trade a password for a socket token: not with a second factor,
    which the password alone would bypass, nor while the site requires one they lack
    (accounts.second_factor); then only with an access token."""
    from .second_factor import must_have_second_factor

    if not settings.CHAT_TOKEN_PASSWORD_LOGIN or must_have_second_factor(user):
        return False
    return not has_second_factor(user)
