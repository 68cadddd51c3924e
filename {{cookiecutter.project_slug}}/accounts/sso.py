"""Single sign-on through OpenID Connect providers (allauth's ``openid_connect``).

Off unless CHAT_SSO_PROVIDERS names at least one provider (config/settings.py): then the
login page offers each, and whoever the provider vouches for logs in, or gets an account
where CHAT_SIGNUP allows it ("sso" and "open"; "invite" with an invitation). Only addresses
of CHAT_SSO_ALLOWED_DOMAINS get in when that list is set: a provider such as Google or
Microsoft vouches for anyone with an account there, not only for the team's own people.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if not allowed(sociallogin):
            response = render(request, "account/sso_refused.html", status=403)
            raise ImmediateHttpResponse(response)

    def is_open_for_signup(self, request, sociallogin):
        mode = settings.CHAT_SIGNUP
        if mode == "invite":
            return invitations.pending(request) is not None
        return True  # "sso" and "open"
