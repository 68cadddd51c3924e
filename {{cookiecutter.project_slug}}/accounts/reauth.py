"""Confirming that the person at the keyboard is the account's owner, before an action that
cannot be undone (deleting the account).

One function, so that every such action asks the same question here. The owner answers with
whichever they have:

- their password;
- a code from their authenticator app (or one of their recovery codes), checked by
  allauth.mfa as at login: a code is good once;
- a recent reauthentication in this browser, as allauth records it in the session: its own
  pages (/accounts/reauthenticate/, /accounts/2fa/reauthenticate/), or a login through
  their single sign-on provider (accounts.sso), which is how someone whose account came
  from the provider, with no password here, proves it is them. "Recent" is allauth's
  ACCOUNT_REAUTHENTICATION_TIMEOUT (300 seconds by default).

A wrong password or code is refused even after a recent reauthentication: whoever typed it
meant it as the answer.
"""

import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

# allauth's name for a login through a provider in its records of the session's logins.
SOCIAL_LOGIN = "socialaccount"


def identity_confirmed(request, user, *, password="", code=""):
    """Whether the owner of ``user`` is at the keyboard, not someone at an unlocked screen."""
    if password or code:
        return bool(password and user.check_password(password)) or bool(
            code and second_factor_code_valid(user, code)
        )
    return recently_reauthenticated(request, user)


def second_factor_code_valid(user, code):
    """A code of the user's authenticator app or a recovery code, as allauth checks one at
    its own reauthentication page (one use each)."""
    form = ReauthenticateForm(data={"code": code}, user=user)
    return form.is_valid()


def recently_reauthenticated(request, user):
    """Whether this browser's session is ``user``'s and confirmed it is them lately, by
    allauth's reauthentication or by logging in again through their provider."""
    session_user = getattr(request, "user", None)
    if session_user is None or session_user.pk != user.pk:
        return False  # a program's bearer token: no browser session to speak of
    if did_recently_reauthenticate(request):
        return True
    records = get_authentication_records(request, user)
    provider_logins = [r.get("at", 0) for r in records if r.get("method") == SOCIAL_LOGIN]
    timeout = account_settings.REAUTHENTICATION_TIMEOUT
    return bool(provider_logins) and time.time() - max(provider_logins) < timeout


def ways_to_confirm(user):
    """What the account-deletion dialog offers ``user`` (those they have), for the page."""
    has_code = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).exists()
    return {
        "password": user.has_usable_password(),
        "code": has_code,
        "providers": provider_logins(user),
        "minutes": account_settings.REAUTHENTICATION_TIMEOUT // 60,
    }


def provider_logins(user):
    """(name, URL) of a fresh login at each provider the user's account is linked to; the
    provider is asked to check who it is again (OpenID Connect's prompt=login)."""
    if not settings.CHAT_SSO_PROVIDERS:
        return []
    # Importable only where single sign-on is on (its app is then installed).
    from allauth.socialaccount.models import SocialAccount

    names = {p["id"]: p["name"] for p in settings.CHAT_SSO_PROVIDERS}
    linked = SocialAccount.objects.filter(user=user).values_list("provider", flat=True)
    query = urlencode({"process": "login", "next": "/", "auth_params": "prompt=login"})
    return [
        (names[pid], reverse("openid_connect_login", kwargs={"provider_id": pid}) + "?" + query)
        for pid in sorted(set(linked))
        if pid in names
    ]
