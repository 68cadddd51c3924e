"""Bots in the Django admin: every bot with its room, maker and last use, and revoking them.

A bot is made where its token can be shown once (bot.create in the chat, or the create_bot
command), so there is no "add" here, and nothing of a bot is edited: a site moderator only
looks and revokes. Bots open no sockets (they post only through their webhook), so revoking
has none to close: from the next call on, the webhook answers 401.
"""

from django.contrib import admin, messages

from .models import Bot
from .services import bots as bot_services


@admin.action(description="Revoke the selected bots' tokens")
def revoke_bots(modeladmin, request, queryset):
    revoked = [bot_services.revoke(bot) for bot in queryset.filter(revoked_at=None)]
    messages.success(request, f"Revoked {len(revoked)} bot token(s).")


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    shown = (
        "user",
        "room",
        "created_by",
        "created_at",
        "last_used_at",
        "token_prefix",
        "revoked_at",
    )
    list_display = shown
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "room", "created_by"]
    search_fields = ["user__username", "room__name", "token_prefix"]
    # token_hash is never shown: useless to a reader, and nobody's business.
    fields = shown
    readonly_fields = shown
    actions = [revoke_bots]

    def has_add_permission(self, request):
        return False
