"""Whether the login a push subscription was made with still holds."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import db as db_sessions
from django.utils import timezone

from .. import auth


def live(subscriptions, users):
    """The ``subscriptions`` whose session is still their user's, unrevoked.

    ``users`` maps user ids to users. A session holds while it exists, names the user, and
    carries the user's current session-auth hash: logging out deletes it, and a password
    change or "log out everywhere" changes the hash.
    """
    data = _sessions({s.session_key for s in subscriptions})
    kept = []
    for subscription in subscriptions:
        session = data.get(subscription.session_key) or {}
        user = users.get(subscription.user_id)
        if user is None or session.get(SESSION_KEY) != str(user.pk):
            continue
        credential = auth.Credential(user.pk, session.get(HASH_SESSION_KEY, ""))
        if auth.holds(user, credential):
            kept.append(subscription)
    return kept


def _sessions(keys):
    """{session key: its data} of the live sessions among ``keys``."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, db_sessions.SessionStore):
        return {key: store(key).load() for key in keys}
    rows = store.get_model_class().objects.filter(
        session_key__in=keys, expire_date__gt=timezone.now()
    )
    return {row.session_key: store().decode(row.session_data) for row in rows}
