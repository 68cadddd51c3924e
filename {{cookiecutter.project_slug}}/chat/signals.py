"""Revocation: what ends a user's logins reaches their open sockets at once.

A socket is authenticated once, when it opens. Changing the password, deactivating or
deleting the account, rotating its security stamp ("log out everywhere") or logging out a
browser session ends that credential; these receivers tell the user's sockets on every
process, which check again (chat.auth.credential_valid) and close with 4010 if it is gone.
Revoking a personal access token (deleting its row, however) closes the sockets opened with
it, and only those.
Each process's timer makes the same check over all its sockets (chat.revalidation), so a lost
event, or a change that sends none (a queryset update()), delays the close by one
CHAT["REVALIDATE_INTERVAL"] at most; a heartbeat checks its own socket too.

A new user joins the default rooms (chat.services.onboarding), whichever way the account was
made.

Files follow their rows: an attachment's bytes are removed once the deletion of its row
commits, however it was deleted (its message, its room, or cleanup_chat_uploads).
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts.models import AccessToken

from . import broadcast, services
from .models import Attachment

# The user fields that a credential depends on (the session-auth hash and is_active).
CREDENTIAL_FIELDS = {"password", "is_active", "security_stamp"}


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created:
        # Every way an account is made lands here: the new user starts in the default rooms.
        services.join_default_rooms(instance)
        return
    if update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields):
        return  # last_login and profile edits change nothing.
    broadcast.credentials_changed(instance.pk)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def user_deleting(sender, instance, **kwargs):
    # Before the memberships cascade away: their rooms keep an owner and an admin, and their
    # messages and files follow CHAT["DELETED_USER_MESSAGES"] (chat.services.account_deletion).
    services.account_forget(user=instance)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def user_deleted(sender, instance, **kwargs):
    broadcast.credentials_changed(instance.pk)


@receiver(user_logged_out)
def session_logged_out(sender, request, user, **kwargs):
    if user is not None and request.session.session_key:
        broadcast.credentials_changed(user.pk, session_key=request.session.session_key)


@receiver(post_delete, sender=AccessToken)
def access_token_revoked(sender, instance, **kwargs):
    broadcast.credentials_changed(instance.user_id, access_token_id=instance.pk)


@receiver(post_delete, sender=Attachment)
def attachment_deleted(sender, instance, **kwargs):
    services.attachment_files_delete(instance)
