"""Reactions: a user's emoji on a message, several distinct ones each, added and removed.

Adding the emoji one already has, or removing one that is not there, changes nothing and is
not an error, so a client may send the same request again safely. A change takes the room's
next rev like an edit (clients catch up on it the same way) and goes to the room as
message.reactions, which also says whose reaction changed: the message in it is the same for
every reader, so each client learns from that whether its own user's ``me`` flag moved.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import broadcast, exceptions, payloads, permissions, protocol, selectors, sql
from ..models import Block, Reaction


@transaction.atomic
def message_react(*, user, message_id, emoji, remove=False):
    """Add the user's ``emoji`` to a message, or with ``remove`` take it away.

    Removing one's reaction is always allowed; adding one is not where a block stands
    (permissions.why_not_react), nor beyond CHAT["REACTIONS_PER_USER"] of the user's on the
    message or CHAT["REACTION_EMOJI_PER_MESSAGE"] distinct emoji on it. The room's lock,
    taken first, makes the counts exact.
    """
    message, membership = selectors.message_for_member(user, message_id, lock_room=True)
    if message.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    mine = Reaction.objects.filter(message=message, user=user)
    if remove:
        if not mine.filter(emoji=emoji).delete()[0]:
            return selectors.message_data(message.pk, user)
    else:
        if mine.filter(emoji=emoji).exists():
            return selectors.message_data(message.pk, user)
        _check_may_add(user, message, membership, emoji)
        Reaction.objects.create(message=message, user=user, emoji=emoji)
    return _changed(message, user, emoji, added=not remove)


def _check_may_add(user, message, membership, emoji):
    blocked = Block.objects.filter(blocker_id=message.sender_id, blocked=user).exists()
    if (reason := permissions.why_not_react(membership, blocked_by_sender=blocked)) is not None:
        raise exceptions.ForbiddenError(reason)
    per_user = settings.CHAT["REACTIONS_PER_USER"]
    if Reaction.objects.filter(message=message, user=user).count() >= per_user:
        raise exceptions.ReactionLimitError(
            f"You have {per_user} reactions on this message; remove one first."
        )
    per_message = settings.CHAT["REACTION_EMOJI_PER_MESSAGE"]
    emoji_on_message = Reaction.objects.filter(message=message).values("emoji").distinct()
    if (
        not emoji_on_message.filter(emoji=emoji).exists()
        and emoji_on_message.count() >= per_message
    ):
        raise exceptions.ReactionLimitError(
            f"This message has {per_message} different emoji; react with one of them."
        )


def _changed(message, user, emoji, *, added):
    """Give the message the room's next rev; tell the room, and answer the user."""
    message.rev = sql.fetch_one(*sql.bump_counter(message.room_id, "last_rev", timezone.now()))[0]
    message.save(update_fields=["rev"])
    change = {"user": payloads.user_payload(user), "emoji": emoji, "added": added}
    event = {**selectors.message_data(message.pk), "change": change}
    broadcast.room_event(message.room_id, protocol.event(protocol.MESSAGE_REACTIONS, event))
    return selectors.message_data(message.pk, user)
