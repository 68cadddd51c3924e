"""Sign-up, log-in and log-out pages, and "log out everywhere"."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import SignupForm


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        # Django's LoginView sets site_name to the request's host; show the project's name.
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


def signup(request):
    if request.user.is_authenticated:
        return redirect("chat:index")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("chat:index")
    return render(request, "registration/signup.html", {"form": form})


@require_POST
@login_required
def logout_everywhere(request):
    """End every session, WebSocket token and open chat socket of the user, this one too."""
    user = request.user
    user.rotate_security_stamp()
    user.save(update_fields=["security_stamp"])
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
