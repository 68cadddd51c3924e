"""How the brute-force protection (django-axes, config/settings.py) sees and answers clients."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def client_ip(request):
    """Return the client's address, as the proxy in front of the app saw it.

    Behind Heroku's router REMOTE_ADDR is the router, and the leftmost X-Forwarded-For entry
    (which Uvicorn's --forwarded-allow-ips '*' would take) is whatever the client wrote there:
    counting failures by it would let an attacker pick a fresh address per guess. The
    router's own entry, TRUSTED_PROXY_COUNT places from the right, cannot be forged. With no
    proxy (TRUSTED_PROXY_COUNT 0) every entry is the client's own writing: the socket's
    address is counted.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked-out attempt: 429 with when to retry, JSON for the token endpoint."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    detail = f"Too many failed attempts. Try again in {minutes} minutes."
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "locked_out", "detail": detail}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = retry_after
    return response
