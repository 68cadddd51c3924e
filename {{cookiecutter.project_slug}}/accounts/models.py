"""The project's user model, in place from the first migration.

Django recommends a custom user model for every new project: switching later means rewriting
every table that points at users. Fields a team adds (a display name, an avatar, a time zone)
are then an ordinary migration. Code refers to it only as settings.AUTH_USER_MODEL or
get_user_model().
"""

import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .validators import validate_not_confusable


def new_security_stamp():
    return secrets.token_hex(16)


class User(AbstractUser):
    # AbstractUser's field, with the look-alike check added (accounts.validators).
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
        validators=[UnicodeUsernameValidator(), validate_not_confusable],
        error_messages={"unique": "A user with that username already exists."},
    )
    # Part of the session-auth hash, as the password is: changing it ends every browser
    # session, every WebSocket token and every open socket of the user ("log out everywhere")
    # without touching the password.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)
    # Whether others see when this user has read their messages (chat read receipts). Off,
    # the user sees no one's either: receipts are shared both ways or not at all.
    read_receipts = models.BooleanField(
        "share read receipts",
        default=True,
        db_default=True,
        help_text="Others see when you have read their messages, and you see when they have.",
    )
    # Whether missed mentions and direct messages are emailed in digests (the digest's
    # unsubscribe link turns it off).
    email_digests = models.BooleanField(
        "email digests",
        default=True,
        db_default=True,
        help_text="An email listing what you missed while away, at most one an hour.",
    )
    # A bot (chat.bots): posts only through its room's incoming webhook, never logs in (its
    # password is unusable), and its messages carry the sender's is_bot mark.
    is_bot = models.BooleanField("bot", default=False, db_default=False, editable=False)
    # The profile (chat.profiles). Kept on the user row rather than a profile table of its
    # own: every message's sender, every reactor and every member is a user already loaded
    # with its message or membership, so these cost no join and no query of their own. Each
    # has a database default, so a process of the previous release still inserting users
    # during a deploy stores them.
    display_name = models.CharField(
        "display name", max_length=64, blank=True, default="", db_default=""
    )
    # The avatar's name in the attachments' storage (a square WebP, chat.avatars); empty
    # when the user has none and the page draws their initials.
    avatar = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    status_text = models.CharField("status", max_length=100, blank=True, default="", db_default="")
    status_emoji = models.CharField(
        "status emoji", max_length=32, blank=True, default="", db_default=""
    )
    # An IANA name ("Europe/Paris"), checked against the server's zoneinfo; empty: not said.
    time_zone = models.CharField("time zone", max_length=64, blank=True, default="", db_default="")
    # Whether mentions, replies and direct messages reach this user's subscribed browsers
    # by Web Push while no page of theirs is in view (chat.push).
    push_notifications = models.BooleanField(
        "push notifications",
        default=True,
        db_default=True,
        help_text="Notifications on your devices when the chat is not open.",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Alice" must not pass for "alice": names are unique whatever their case.
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            )
        ]

    def rotate_security_stamp(self):
        """End every login of this user once saved: sessions, tokens, open sockets."""
        self.security_stamp = new_security_stamp()

    def get_session_auth_hash(self):
        return self._auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        # Sessions signed before a SECRET_KEY rotation stay valid while the old key is listed.
        from django.conf import settings

        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._auth_hash(secret=secret)

    def _auth_hash(self, secret):
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class SignupInvitationQuerySet(models.QuerySet):
    def usable(self):
        """Invitations not expired and not used up."""
        return self.filter(expires_at__gt=Now(), uses__lt=F("max_uses"))


class SignupInvitation(models.Model):
    """A link that lets its holder create an account (accounts.invitations)."""

    # sha256 of the link's token: the token itself is shown once and never stored.
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    # For one person: the link is emailed there, sign-up must use it and confirms it.
    email = models.EmailField("email address", blank=True)
    max_uses = models.PositiveIntegerField("use limit", default=1)
    uses = models.PositiveIntegerField(default=0, editable=False)
    expires_at = models.DateTimeField("expires")
    rooms = models.ManyToManyField(
        "chat.Room", blank=True, related_name="+", help_text="Rooms the newcomer joins."
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SignupInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email or 'anyone with the link'}"

    @property
    def is_usable(self):
        return self.expires_at > timezone.now() and self.uses < self.max_uses


class AccessToken(models.Model):
    """A personal access token: how a program of the user's gets into the chat
    (accounts.access_tokens). Only a digest is stored; the token is shown once."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What uses it, to recognise it later.")
    # sha256 of the whole token; the first characters are kept to tell tokens apart.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
