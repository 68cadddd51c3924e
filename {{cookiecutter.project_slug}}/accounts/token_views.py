"""The account page of personal access tokens: make one (shown once), see them, revoke them."""

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import access_tokens
from .forms import AccessTokenForm
from .models import AccessToken


@login_required
@reauthentication_required(allow_get=True)  # a stolen session alone mints no lasting credential
def token_list(request):
    form = AccessTokenForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        _, made = access_tokens.create(request.user, **form.cleaned_data)
        form = AccessTokenForm()
    tokens = AccessToken.objects.filter(user=request.user)
    return render(request, "account/tokens.html", {"form": form, "tokens": tokens, "made": made})


@require_POST
@login_required
def token_revoke(request, pk):
    get_object_or_404(AccessToken, pk=pk, user=request.user).delete()
    return redirect("access_tokens")
