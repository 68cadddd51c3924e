"""Bots: made by a room's admins (bot.create) or the create_bot command, listed and revoked.

A bot is a user that cannot log in (its password is unusable, so it never gets a session, a
token or a socket) and posts only through its room's webhook (chat.webhooks), as a member of
that room under the same rules as anyone: removed or banned, it posts nothing. Its token is
returned once, here, and only its hash is kept (chat.bots).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .. import bots, exceptions, payloads, permissions, selectors
from ..models import Bot, Room
from .members import add_memberships, announce_joined


@transaction.atomic
def bot_create(*, user, room_id, name):
    """Make a bot in a group or channel ``user`` administers; return it with its token."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    permissions.require_admin(membership)
    return create_bot(membership.room, name, created_by=user)


def create_bot(room, name, *, created_by=None):
    """Make bot ``name`` a member of ``room``; return {"bot", "token", "url"}: the token is
    never available again."""
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError("Direct conversations have no bots.")
    bot_user = _new_bot_user(name)
    prefix, token = bots.new_token()
    bot = Bot.objects.create(
        user=bot_user,
        room=room,
        created_by=created_by,
        token_prefix=prefix,
        token_hash=bots.token_hash(token),
    )
    announce_joined(room, add_memberships(room, [bot_user]))
    url = reverse("chat:webhook", args=[bot.pk])
    return {"bot": payloads.bot_payload(bot), "token": token, "url": url}


def _new_bot_user(name):
    user = get_user_model()(username=name, is_bot=True)
    user.set_unusable_password()
    try:
        # The rules of every username: allowed characters, no look-alikes, unique in any case.
        user.full_clean(exclude=["password"])
    except ValidationError as invalid:
        detail = " ".join(invalid.message_dict.get("username", invalid.messages))
        raise exceptions.InvalidPayloadError(detail) from None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone took the name between the check and the insert.
        raise exceptions.InvalidPayloadError("A user with that username already exists.") from None
    return user


def bot_list(*, user, room_id):
    """The room's bots, revoked ones included, for its admins."""
    permissions.require_admin(selectors.membership_for(user, room_id))
    found = Bot.objects.filter(room_id=room_id).select_related("user", "created_by")
    return {"room_id": room_id, "bots": [payloads.bot_payload(bot) for bot in found]}


@transaction.atomic
def bot_revoke(*, user, bot_id):
    """Revoke a bot's token (an admin of its room): its webhook answers 401 from now on."""
    bot = _bot_of_admin(user, bot_id)
    return {"bot": payloads.bot_payload(revoke(bot))}


def revoke(bot):
    """Revoke ``bot``'s token for good; the bot stays, so its messages keep their sender."""
    if bot.revoked_at is None:
        bot.revoked_at = timezone.now()
        bot.save(update_fields=["revoked_at"])
    return bot


def _bot_of_admin(user, bot_id):
    bot = Bot.objects.select_related("user", "created_by").filter(pk=bot_id).first()
    # A bot that does not exist and one in a room the user is not in answer alike.
    if bot is None:
        raise exceptions.RoomNotFoundError()
    permissions.require_admin(selectors.membership_for(user, bot.room_id))
    return bot
