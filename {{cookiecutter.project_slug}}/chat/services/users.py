"""Finding other users by username, without handing out the list of who exists.

Every event that names users (room.create, room.add_members and the other member changes,
user.block, room.ban) finds them here. An answer that names the unknown names helps someone
who mistyped one, and would tell anyone who sends a hundred names a time which of them
exist. So unknown names are counted, per user over every socket and process (the cache is
Redis wherever there is one), as the token endpoint counts failed logins: after
CHAT["UNKNOWN_USERNAMES_LIMIT"] of them within CHAT["UNKNOWN_USERNAMES_WINDOW"] seconds,
every lookup answers 4029 until the window ends, whatever it names, and a request that
would go beyond the limit is refused the same way without naming anything. A typo costs one.

Where users are added to a room, someone who blocks the person adding them is answered as
an unknown user (and costs the same): the harasser learns no more than that they cannot add
that person, and cannot put them in rooms at all.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from .. import exceptions
from ..models import Block

LOCKED_DETAIL = "Too many unknown usernames; try again later."


def users_by_username(usernames, *, by, addable=False):
    """Return the active users named, or raise UserNotFoundError naming the unknown ones.

    ``by`` is the user asking, whose budget of unknown names the misses spend. With
    ``addable``, users who block ``by`` count as unknown.
    """
    _refuse_if_locked(by)
    users = get_user_model().objects.filter(username__in=usernames, is_active=True)
    if addable:
        users = users.exclude(pk__in=Block.objects.filter(blocked=by).values("blocker"))
    users = list(users)
    missing = set(usernames) - {user.get_username() for user in users}
    if missing:
        _spend(by, len(missing))
        raise exceptions.UserNotFoundError(f"No such users: {', '.join(sorted(missing))}.")
    return users


def any_user(username, *, by):
    """Return the user, active or not (blocks and bans of deactivated users can be lifted)."""
    _refuse_if_locked(by)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        _spend(by, 1)
        raise exceptions.UserNotFoundError(f"No such users: {username}.")
    return user


def _key(user):
    return f"chat:unknown-usernames:{user.pk}"


def _refuse_if_locked(user):
    if cache.get(_key(user), 0) >= settings.CHAT["UNKNOWN_USERNAMES_LIMIT"]:
        raise exceptions.RateLimitedError(LOCKED_DETAIL)


def _spend(user, misses):
    """Count ``misses`` unknown names; refuse without naming them once over the limit.

    The window starts with the first miss (add() sets the expiry; incr() keeps it).
    """
    key = _key(user)
    cache.add(key, 0, timeout=settings.CHAT["UNKNOWN_USERNAMES_WINDOW"])
    try:
        spent = cache.incr(key, misses)
    except ValueError:  # Expired between add() and incr(): a new window.
        cache.add(key, misses, timeout=settings.CHAT["UNKNOWN_USERNAMES_WINDOW"])
        spent = misses
    if spent > settings.CHAT["UNKNOWN_USERNAMES_LIMIT"]:
        raise exceptions.RateLimitedError(LOCKED_DETAIL)
