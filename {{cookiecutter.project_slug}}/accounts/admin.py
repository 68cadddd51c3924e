from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import invitations
from .models import SignupInvitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ["log_out_everywhere"]

    @admin.action(description="Log out everywhere (sessions, tokens and open chat sockets)")
    def log_out_everywhere(self, request, queryset):
        for user in queryset:
            user.rotate_security_stamp()
            user.save(update_fields=["security_stamp"])
        self.message_user(request, f"Logged out {len(queryset)} users.", messages.SUCCESS)


@admin.register(SignupInvitation)
class SignupInvitationAdmin(admin.ModelAdmin):
    """Admins make invitations here too: the link is shown once, in the message after saving."""

    list_display = ["__str__", "uses", "max_uses", "expires_at", "created_by", "created_at"]
    fields = ["email", "max_uses", "expires_at", "rooms"]
    filter_horizontal = ["rooms"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token = invitations.new_token()
        obj.token_digest = invitations.digest(token)
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        link = invitations.link(request, token)
        self.message_user(request, f"Invitation link (shown once): {link}", messages.SUCCESS)
        if obj.email:
            invitations.send(request, obj, token)
