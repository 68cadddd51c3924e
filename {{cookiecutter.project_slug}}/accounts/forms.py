"""allauth's forms where the project needs them to behave differently."""

from allauth.account import forms
from allauth.account.adapter import get_adapter
from allauth.core import context
from django import forms as django_forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator

from chat.models import Membership, Room

from . import invitations


class ChangePasswordForm(forms.ChangePasswordForm):
    """The current password is checked as a login is (django-axes counts and locks it), not
    with check_password alone: someone holding a stolen session must not guess it freely."""

    def clean_oldpassword(self):
        if not get_adapter().reauthenticate(self.user, self.cleaned_data.get("oldpassword", "")):
            raise get_adapter().validation_error("enter_current_password")
        return self.cleaned_data["oldpassword"]


class LoginForm(forms.LoginForm):
    """One field for a username or an email address, named for both; labels, not placeholders."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Username or email"
        login.widget.attrs.update(autocomplete="username", autocapitalize="none")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class SignupForm(forms.SignupForm):
    """allauth's sign-up form; through an invitation for one address, that address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = context.request  # allauth's middleware keeps it
        self.invitation = invitations.pending(request) if request is not None else None
        if self.invitation is not None and self.invitation.email:
            self.fields["email"].initial = self.invitation.email

    def clean_email(self):
        email = super().clean_email()
        wanted = self.invitation.email if self.invitation is not None else ""
        if wanted and email.lower() != wanted.lower():
            raise ValidationError(f"This invitation is for {wanted}.", code="invited_email")
        return email


class InvitationForm(django_forms.Form):
    """A new sign-up invitation: for one address or for anyone with the link."""

    email = django_forms.EmailField(
        label="Email address",
        required=False,
        help_text="Emailed the link, which only lets this address sign up. Empty: anyone "
        "with the link.",
    )
    max_uses = django_forms.IntegerField(label="Use limit", min_value=1, max_value=1000, initial=1)
    days = django_forms.IntegerField(label="Days it lasts", min_value=1)
    rooms = django_forms.ModelMultipleChoiceField(
        label="Rooms to join",
        queryset=Room.objects.none(),
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.CHAT_SIGNUP_INVITATION_DAYS
        self.fields["days"].max_value = settings.CHAT_SIGNUP_INVITATION_MAX_DAYS
        self.fields["days"].validators.append(
            MaxValueValidator(settings.CHAT_SIGNUP_INVITATION_MAX_DAYS)
        )
        # The groups and channels the inviter runs: an invitation adds people only where its
        # maker could add them.
        self.fields["rooms"].queryset = Room.objects.filter(
            memberships__user=user, memberships__role=Membership.Role.ADMIN
        ).exclude(kind=Room.Kind.DIRECT)


class AccessTokenForm(django_forms.Form):
    name = django_forms.CharField(
        label="Name", max_length=100, help_text="What will use it, to recognise it later."
    )
    days = django_forms.IntegerField(
        label="Days it lasts",
        min_value=1,
        max_value=3650,
        required=False,
        help_text="Empty: until you revoke it.",
    )
