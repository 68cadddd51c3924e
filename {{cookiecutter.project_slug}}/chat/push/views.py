"""The page's way to subscribe its browser to Web Push, and to stop.

Both take the signed-in session and its CSRF token (the page sends X-CSRFToken, as for
uploads): a subscription belongs to the login that made it (chat.push.subscriptions).
Answers are JSON; a refused subscription says which rule it broke and stores nothing.
"""

import json

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from . import enabled, subscriptions, validation


def _refusal(status, error, detail):
    return JsonResponse({"error": error, "detail": detail}, status=status)


def _body(request):
    """The request's JSON object, or None."""
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _checked(view):
    """Answer 401 without a login, 404 with Web Push off and 400 for a body not JSON."""

    def checked(request):
        if not request.user.is_authenticated or not request.session.session_key:
            return _refusal(401, "unauthenticated", "Sign in first.")
        if not enabled():
            return _refusal(404, "push_disabled", "This site sends no push notifications.")
        data = _body(request)
        if data is None:
            return _refusal(400, "invalid_request", "Send a JSON object.")
        return view(request, data)

    checked.__name__ = checked.__qualname__ = view.__name__
    checked.__doc__ = view.__doc__
    return checked


@require_POST
@_checked
def subscribe(request, data):
    """Store the browser's PushSubscription (its toJSON()) for this login: 201 {"id"}."""
    try:
        subscription = subscriptions.subscribe(
            user=request.user, session_key=request.session.session_key, data=data
        )
    except validation.SubscriptionError as refused:
        return _refusal(400, refused.code, refused.detail)
    return JsonResponse({"id": subscription.pk}, status=201)


@require_POST
@_checked
def unsubscribe(request, data):
    """Forget the browser's subscription {"endpoint"}: 200 {"deleted": bool}."""
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str):
        return _refusal(400, "invalid_request", 'Send {"endpoint": ...}.')
    return JsonResponse(
        {"deleted": subscriptions.unsubscribe(user=request.user, endpoint=endpoint)}
    )
