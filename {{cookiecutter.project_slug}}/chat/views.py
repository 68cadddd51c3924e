"""HTTP views: the token and ticket endpoints for API clients, and the chat page."""

import json

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import text
from .auth import bearer_token, ticket_issue, token_issue, token_user

# Longer passwords are refused unread: hashing megabytes of password is a denial of service.
PASSWORD_MAX_LENGTH = 4096
USERNAME_MAX_LENGTH = 150


@csrf_exempt  # Credentials travel in the body; no cookie is trusted here.
@require_POST
def token(request):
    """Exchange {"username", "password"} for a short-lived WebSocket token.

    Every failure of the credentials answers the same 401, in the same time, whether or not
    the user exists (Django's ModelBackend hashes the password either way); a body that is
    not two storable strings answers 400 before anything is looked up.
    """
    credentials = _credentials(request.body)
    if credentials is None:
        return JsonResponse(
            {"error": "invalid_request", "detail": 'Send {"username": ..., "password": ...}.'},
            status=400,
        )
    user = authenticate(request, **credentials)
    if user is None:
        return JsonResponse(
            {"error": "invalid_credentials", "detail": "Wrong username or password."}, status=401
        )
    value, expires_in = token_issue(user)
    return JsonResponse({"token": value, "expires_in": expires_in})


@csrf_exempt  # The token travels in the Authorization header; no cookie is trusted here.
@require_POST
def ticket(request):
    """Exchange a token (``Authorization: Bearer <token>``) for a single-use socket ticket.

    For clients that cannot set headers on a WebSocket (browsers): the ticket goes in the
    socket's URL (``?ticket=``), where logs keep it, and is worthless once used or after
    CHAT_TICKET_TTL seconds.
    """
    token = bearer_token(request.headers.get("Authorization"))
    found = token_user(token=token) if token is not None else None
    if found is None:
        return JsonResponse(
            {"error": "invalid_token", "detail": "Send Authorization: Bearer <token>."}, status=401
        )
    value, expires_in = ticket_issue(found[1])
    return JsonResponse({"ticket": value, "expires_in": expires_in})


def _credentials(body):
    """Return {"username", "password"} from a JSON body, or None if it holds no such pair."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or set(data) != {"username", "password"}:
        return None
    username, password = data["username"], data["password"]
    for value, max_length in ((username, USERNAME_MAX_LENGTH), (password, PASSWORD_MAX_LENGTH)):
        if not isinstance(value, str) or not value or len(value) > max_length:
            return None
        if text.unstorable(value) is not None:
            return None
    return {"username": username, "password": password}


@login_required
def index(request):
    """The chat page; its script opens the WebSocket with the session cookie."""
    return render(request, "chat/index.html")
