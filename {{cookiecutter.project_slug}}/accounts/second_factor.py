"""Who must have a second factor (CHAT_MFA_REQUIRED), and the middleware that holds them to it.

"none" (the default) leaves it to each user; "staff" requires one of staff and superusers,
whose sessions reach the Django admin; "all" of everyone. A user who must and has none is
sent to the second-factor page (/accounts/2fa/) from every page, the admin included, until
they set one up; API requests get 403 ``second_factor_required``; and the token endpoint's
password path is closed to them (accounts.access_tokens), which leaves no way around it.
"""

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect

from .access_tokens import has_second_factor

# What a user without a second factor may still reach: setting one up (and what it needs),
# logging out, and the files those pages load.
OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/static/",
)


def must_have_second_factor(user):
    required = settings.CHAT_MFA_REQUIRED
    if required == "all":
        return True
    return required == "staff" and (user.is_staff or user.is_superuser)


def missing_second_factor(user):
    return must_have_second_factor(user) and not has_second_factor(user)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.CHAT_MFA_REQUIRED != "none"
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and missing_second_factor(user)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        detail = "Set up a second factor (an authenticator app) at /accounts/2fa/ first."
        if request.path.startswith("/api/"):
            return JsonResponse({"error": "second_factor_required", "detail": detail}, status=403)
        messages.warning(request, "This site asks you to set up a second factor before going on.")
        return redirect("mfa_index")
