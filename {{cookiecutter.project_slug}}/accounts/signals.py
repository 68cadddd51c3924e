"""Changing the account's email address ends its other logins, as a password change does.

The address is where a password reset goes: whoever changed it may be someone holding a
stolen session, and the owner's other logins (and an attacker's) should not outlive the
change. The security stamp (accounts.models) is rotated, which ends every session, token and
open socket of the user (chat.signals); the browser that made the change stays logged in.
A password change or reset needs nothing here: the password is part of the same hash.
"""

from allauth.account.signals import email_changed
from django.contrib.auth import update_session_auth_hash
from django.dispatch import receiver


@receiver(email_changed)
def end_other_logins(sender, request, user, **kwargs):
    # Whose browser this is, read before the rotation: request.user is resolved lazily, and
    # after it the session would no longer match anyone.
    this_browser = request is not None and getattr(request, "user", None) is not None
    this_browser = this_browser and request.user.pk == user.pk
    user.rotate_security_stamp()
    user.save(update_fields=["security_stamp"])
    if this_browser:
        update_session_auth_hash(request, user)
