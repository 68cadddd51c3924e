"""How django-allauth fits the project: client addresses, usernames, login stages, email."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import invitations
from .lockout import client_ip

log = logging.getLogger(__name__)

ALLAUTH_EMAIL_STAGE = "allauth.account.stages.EmailVerificationStage"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        # The address the brute-force counts use (accounts.lockout): the router's entry in
        # X-Forwarded-For on a dyno, never one the client wrote itself.
        return client_ip(request) or "unknown"

    def clean_username(self, username, shallow=False):
        # NFKC first, as AbstractUser.clean does: "ａｌｉｃｅ" (full width) is "alice",
        # and is refused when alice exists.
        username = get_user_model().normalize_username(username)
        return super().clean_username(username, shallow=shallow)

    def is_open_for_signup(self, request):
        """Sign-up with a password: anyone ("open"), an invitation's holder ("invite"), or
        nobody ("sso": accounts come from the identity provider)."""
        mode = settings.CHAT_SIGNUP
        if mode == "invite":
            return invitations.pending(request) is not None
        return mode == "open"

    def save_user(self, request, user, form, commit=True):
        # The account and its invitation's use are one transaction: a use taken by someone
        # else meanwhile undoes the account where sign-up needs one.
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            invitations.admit(request, user)
        return user

    def get_login_stages(self):
        # Accounts without any address on record (made by an admin or createsuperuser,
        # or before addresses were asked for) log in as they always did.
        stages = super().get_login_stages()
        return [
            "accounts.stages.EmailVerificationStage" if path == ALLAUTH_EMAIL_STAGE else path
            for path in stages
        ]

    def send_mail(self, template_prefix, email, context):
        if not settings.EMAIL_CONFIGURED:
            # Production without an email service: say so in the logs rather than fail
            # the request on a connection to nowhere.
            log.error("Not sending %s to a user: no EMAIL_HOST is configured.", template_prefix)
            return
        super().send_mail(template_prefix, email, {**context, "site_name": settings.SITE_NAME})
