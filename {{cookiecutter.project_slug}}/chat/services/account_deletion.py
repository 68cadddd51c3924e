"""What deleting an account does to the chat, however it is deleted: by the user (with their
password, a second-factor code or a recent reauthentication: accounts.reauth,
chat.profile_views.account_delete), in the Django admin, or from a shell.

chat.signals runs account_forget() before the user's row goes, in the deletion's transaction:

- the rooms they own or administer pass to another member (the longest-standing admin, else
  the longest-standing member), and every room is told they are gone (room.members_removed);
  a room left with no one else in it is deleted;
- their messages stay, shown as from "Deleted user" (the sender becomes null), or, with
  CHAT["DELETED_USER_MESSAGES"] = "remove", are deleted as a member deletes theirs (each
  keeps its seq, the rooms hear message.deleted) and their text is erased, in batches of
  set-based statements (chat.services.message_removal);
- every file they uploaded and their avatar are removed from storage once that commits: a
  kept message loses its files (its rooms hear message.edited), in batches of set-based
  statements too (chat.services.file_withdrawal);
- their memberships, sessions and reactions go with their row, and their open sockets close
  at once with 4010 (chat.signals tells them after the deletion commits).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from ..models import Attachment, Membership, Room
from .attachments import attachment_storage
from .file_withdrawal import files_withdraw_uploaded_by
from .message_removal import messages_remove_sent_by
from .rooms import rooms_forget_user


@transaction.atomic
def account_forget(*, user):
    """Before ``user`` is deleted: their rooms, messages and files, as described above."""
    rooms_forget_user(user=user)
    _delete_emptied_rooms(user)
    if settings.CHAT["DELETED_USER_MESSAGES"] == "remove":
        messages_remove_sent_by(user)
    _remove_files(user)


def _delete_emptied_rooms(user):
    """Delete the rooms the user is alone in (their files go with them, chat.signals)."""
    mine = Membership.objects.filter(user=user).values("room_id")
    alone = (
        Room.objects.filter(pk__in=mine).annotate(members=Count("memberships")).filter(members=1)
    )
    for room in alone:
        room.delete()


def _remove_files(user):
    files_withdraw_uploaded_by(user)
    Attachment.objects.filter(uploader=user).delete()  # uploads no message took
    if user.avatar:
        name = user.avatar
        transaction.on_commit(lambda: attachment_storage().delete(name))
