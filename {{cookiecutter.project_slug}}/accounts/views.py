"""Log out everywhere; the other account pages are django-allauth's (accounts.urls)."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


@require_POST
@login_required
def logout_everywhere(request):
    """End every session, WebSocket token and open chat socket of the user, this one too."""
    user = request.user
    user.rotate_security_stamp()
    user.save(update_fields=["security_stamp"])
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
