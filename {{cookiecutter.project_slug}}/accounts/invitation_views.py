"""Pages of sign-up invitations: opening a link, and making and revoking them."""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import invitations
from .forms import InvitationForm
from .models import SignupInvitation


def accept_invitation(request, token):
    """Keep the invitation in the session and go to the sign-up form, or say it is spent."""
    invitation = invitations.usable(token)
    if invitation is None:
        return render(request, "account/invitation_invalid.html", status=404)
    request.session[invitations.SESSION_KEY] = token
    if invitation.email:
        # Whoever opened the emailed link reads that mailbox: the address needs no
        # confirmation of its own (allauth marks it verified at sign-up).
        get_adapter().stash_verified_email(request, invitation.email)
    return redirect("signup")


def may_invite(user):
    return user.is_staff or settings.CHAT_SIGNUP_INVITES_BY_MEMBERS


@login_required
def invitation_list(request):
    """The invitations the user made, and a form to make another (its link shown once)."""
    if not may_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, user=request.user)
    made_link = None
    if request.method == "POST" and form.is_valid():
        invitation, token = invitations.create(created_by=request.user, **form.cleaned_data)
        made_link = invitations.link(request, token)
        if invitation.email:
            invitations.send(request, invitation, token)
        form = InvitationForm(user=request.user)
    mine = SignupInvitation.objects.filter(created_by=request.user).prefetch_related("rooms")
    context = {"form": form, "invitations": mine, "made_link": made_link}
    return render(request, "account/invitations.html", context)


@require_POST
@login_required
def invitation_revoke(request, pk):
    invitation = get_object_or_404(SignupInvitation, pk=pk, created_by=request.user)
    invitation.delete()
    return redirect("invitations")
