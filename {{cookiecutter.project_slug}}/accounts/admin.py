from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ["log_out_everywhere"]

    @admin.action(description="Log out everywhere (sessions, tokens and open chat sockets)")
    def log_out_everywhere(self, request, queryset):
        for user in queryset:
            user.rotate_security_stamp()
            user.save(update_fields=["security_stamp"])
        self.message_user(request, f"Logged out {len(queryset)} users.", messages.SUCCESS)
