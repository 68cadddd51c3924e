"""HTTP views: the token endpoint for API clients, the chat page, sign-up."""

import json

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .auth import token_issue


@csrf_exempt  # Credentials travel in the body; no cookie is trusted here.
@require_POST
def token(request):
    """Exchange {"username", "password"} for a short-lived WebSocket token."""
    try:
        credentials = json.loads(request.body)
        username, password = credentials["username"], credentials["password"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"error": "invalid_request", "detail": 'Send {"username": ..., "password": ...}.'},
            status=400,
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        return JsonResponse(
            {"error": "invalid_credentials", "detail": "Wrong username or password."}, status=401
        )
    value, expires_in = token_issue(user)
    return JsonResponse({"token": value, "expires_in": expires_in})


@login_required
def index(request):
    """The chat page; its script opens the WebSocket with the session cookie."""
    return render(request, "chat/index.html")


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        # Django's LoginView sets site_name to the request's host; show the project's name.
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


def signup(request):
    if request.user.is_authenticated:
        return redirect("chat:index")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("chat:index")
    return render(request, "registration/signup.html", {"form": form})
