"""Single sign-on through OpenID Connect providers (allauth's ``openid_connect``).

Off unless CHAT_SSO_PROVIDERS names at least one provider (config/settings.py): then the
login page offers each, and whoever the provider vouches for logs in, or gets an account
where CHAT_SIGNUP allows it ("sso" and "open"; "invite" with an invitation). Only addresses
of CHAT_SSO_ALLOWED_DOMAINS get in when that list is set: a provider such as Google or
Microsoft vouches for anyone with an account there, not only for the team's own people.

The list only ever narrows: with "invite", an address of an allowed domain still needs an
invitation to get an account, as with a password. An invitation works here as it does for
the sign-up form: one for an address lets in only a person the provider vouches for at that
address; the account takes one of its uses and joins its rooms (accounts.invitations.admit).
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.shortcuts import render

from . import invitations


def email_domain(email):
    return (email or "").rpartition("@")[2].lower()


def allowed(sociallogin):
    """Whether the provider's verified address is of an allowed domain (any, when unset)."""
    domains = settings.CHAT_SSO_ALLOWED_DOMAINS
    if not domains:
        return True
    verified = [a.email for a in sociallogin.email_addresses if a.verified]
    return any(email_domain(email) in domains for email in verified)


def verified_emails(sociallogin):
    return {a.email.lower() for a in sociallogin.email_addresses if a.verified}


def invited(request, sociallogin):
    """Whether the session holds a usable invitation, for anyone or for an address the
    provider vouches for."""
    invitation = invitations.pending(request)
    if invitation is None:
        return False
    return not invitation.email or invitation.email.lower() in verified_emails(sociallogin)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if not allowed(sociallogin):
            response = render(request, "account/sso_refused.html", status=403)
            raise ImmediateHttpResponse(response)

    def is_open_for_signup(self, request, sociallogin):
        mode = settings.CHAT_SIGNUP
        if mode == "invite":
            return invited(request, sociallogin)
        return True  # "sso" and "open"

    def save_user(self, request, sociallogin, form=None):
        # The account, its link to the provider and its invitation's use are one transaction.
        # Through the social sign-up form, allauth saves the account with the account
        # adapter's save_user, which spends the invitation (accounts.adapter); an automatic
        # sign-up has no form and spends it here.
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form=form)
            if form is None:
                invitations.admit(request, user)
        return user
