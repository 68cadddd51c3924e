"""Reads of reactions: each message's emoji with their counts and first reactors.

A message's payload names at most CHAT["REACTION_USERS_SHOWN"] reactors per emoji, the
earliest; the count says how many there are. One query sums up a whole page: the database
counts each emoji's reactors and ranks them, and only the first few of each leave it, so a
message a thousand people reacted to costs the same few rows as one with three.
"""

from django.conf import settings
from django.db.models import Case, Count, F, Max, Value, When, Window
from django.db.models.functions import RowNumber

from .. import payloads
from ..models import Reaction


def reaction_summaries(message_ids, reader=None):
    """Return {message id: [reaction payload]}, each message's emoji in the order first used.

    ``me`` says whether ``reader`` reacted with the emoji; without a reader (an event the
    whole room receives) it is left out and clients keep what they knew (docs/protocol.md).
    """
    summaries = {}
    users = {}
    for row in _first_reactors(message_ids, reader):
        key = (row.message_id, row.emoji)
        if key not in users:
            users[key] = []
            me = bool(row.mine) if reader is not None else None
            reaction = payloads.reaction_payload(row.emoji, row.count, users[key], me)
            summaries.setdefault(row.message_id, []).append(reaction)
        users[key].append(payloads.user_payload(row.user))
    return summaries


def _first_reactors(message_ids, reader):
    """The earliest REACTION_USERS_SHOWN reactions of each emoji on the messages, oldest first,
    each with its emoji's count and whether ``reader`` is among all its reactors (mine)."""
    emoji_of_message = [F("message_id"), F("emoji")]
    reader_id = reader.pk if reader is not None else None
    return (
        Reaction.objects.filter(message_id__in=message_ids)
        .select_related("user")
        .annotate(
            count=Window(Count("pk"), partition_by=emoji_of_message),
            rank=Window(RowNumber(), partition_by=emoji_of_message, order_by="pk"),
            mine=Window(
                Max(Case(When(user_id=reader_id, then=Value(1)), default=Value(0))),
                partition_by=emoji_of_message,
            ),
        )
        .filter(rank__lte=settings.CHAT["REACTION_USERS_SHOWN"])
        .order_by("pk")
    )
