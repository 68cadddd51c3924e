"""Storing and ending push subscriptions: each belongs to a user and to the login that made it."""

from django.conf import settings
from django.db import transaction

from ..models import PushSubscription
from . import validation


@transaction.atomic
def subscribe(*, user, session_key, data):
    """Store the browser's subscription ``data`` for ``user``'s session; return it.

    Raises validation.SubscriptionError, storing nothing, if ``data`` is not one. An
    endpoint already stored (this browser, subscribed again or by someone who signed in
    after) now belongs to this user and session alone. Past CHAT["PUSH_SUBSCRIPTIONS_PER_USER"]
    the user's oldest subscriptions go: each is a request per notification.
    """
    cleaned = validation.clean(data)
    PushSubscription.objects.filter(endpoint=cleaned["endpoint"]).delete()
    subscription = PushSubscription.objects.create(user=user, session_key=session_key, **cleaned)
    keep = settings.CHAT["PUSH_SUBSCRIPTIONS_PER_USER"]
    newest = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
    stale = list(newest.values_list("pk", flat=True)[keep:])
    if stale:
        PushSubscription.objects.filter(pk__in=stale).delete()
    return subscription


def unsubscribe(*, user, endpoint):
    """Forget the user's subscription at ``endpoint``; return whether there was one."""
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def session_ended(session_key):
    """The login ``session_key`` ended (its user logged out): its browsers hear no more."""
    PushSubscription.objects.filter(session_key=session_key).delete()
