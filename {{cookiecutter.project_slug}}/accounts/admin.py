from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction

from . import invitations
from .models import SignupInvitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ["log_out_everywhere", "delete_accounts"]

    @admin.action(description="Log out everywhere (sessions, tokens and open chat sockets)")
    def log_out_everywhere(self, request, queryset):
        for user in queryset:
            user.rotate_security_stamp()
            user.save(update_fields=["security_stamp"])
        self.message_user(request, f"Logged out {len(queryset)} users.", messages.SUCCESS)

    @admin.action(
        description="Delete accounts (rooms handed over, messages kept or removed as "
        "CHAT_DELETED_USER_MESSAGES says, files removed, open sockets closed)",
        permissions=["delete"],
    )
    def delete_accounts(self, request, queryset):
        # Each deletion is its own transaction: one user's rooms and files are settled
        # (chat.services.account_deletion, run by chat.signals) whatever becomes of the next.
        deleted = 0
        for user in queryset:
            with transaction.atomic():
                user.delete()
            deleted += 1
        self.message_user(request, f"Deleted {deleted} accounts.", messages.SUCCESS)


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
