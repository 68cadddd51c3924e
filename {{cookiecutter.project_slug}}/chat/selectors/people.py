"""The directory: the people a user may start a direct message with, found by a prefix.

Whom it lists is whom room.create "direct" accepts (chat.services.rooms): active accounts,
the user excepted. It also leaves out, both ways, the people of a block: someone who blocks
the user would be refused (a direct room with them answers BLOCKED_DETAIL), and someone the
user blocks is someone they chose not to hear from. So the directory never offers a person
the user cannot write to.

Each keystroke is one query bounded by its index: a case-insensitive prefix of the username
(istartswith, which escapes % and _), served on PostgreSQL by the expression index of the
migration 0011_user_directory_index, at most MAX_DIRECTORY_RESULTS rows. A short prefix on a
large site still reads every match to sort them; user.search costs a token of the "history"
limit, as message.search does (chat.ratelimit).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Upper

from .. import payloads
from ..events.people import MAX_DIRECTORY_RESULTS
from ..models import Block

# The user fields a prefix is matched against: a profile's display name is one more entry
# (each needs an index of its own, as the username has).
SEARCH_FIELDS = ("username",)


def user_search(*, user, prefix, limit=None):
    """Return the people ``user`` may message whose username starts with ``prefix``, in
    alphabetical order whatever the case."""
    limit = min(limit or MAX_DIRECTORY_RESULTS, MAX_DIRECTORY_RESULTS)
    people = directory(user, prefix)[:limit]
    return {"users": [payloads.user_payload(person) for person in people]}


def directory(user, prefix):
    """The query of the people ``user`` may message whose username starts with ``prefix``."""
    matches = Q()
    for field in SEARCH_FIELDS:
        matches |= Q(**{f"{field}__istartswith": prefix})
    blocked = Block.objects.filter(blocker=user).values("blocked")
    blockers = Block.objects.filter(blocked=user).values("blocker")
    return (
        get_user_model()
        .objects.filter(matches, is_active=True)
        .exclude(pk=user.pk)
        .exclude(pk__in=blocked)
        .exclude(pk__in=blockers)
        .order_by(Upper("username"), "username")
    )
