from django.contrib import admin

from .models import ChatSession, Membership, Message, Reaction, Room


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at", "last_read_seq"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "is_public", "posting_locked", "last_seq", "created_at"]
    list_filter = ["kind", "is_public"]
    search_fields = ["name"]
    readonly_fields = ["direct_key", "last_seq", "last_rev", "created_at"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "user", "role", "last_read_seq", "muted", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "room__name"]
    raw_id_fields = ["room", "user"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "seq", "sender", "created_at", "edited_at", "deleted_at"]
    list_filter = ["deleted_at"]
    search_fields = ["content", "sender__username"]
    raw_id_fields = ["room", "sender", "reply_to"]
    # seq is allocated under the room lock by the send service; never typed by hand.
    readonly_fields = ["seq", "rev", "client_msg_id", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["id", "message", "user", "emoji", "created_at"]
    raw_id_fields = ["message", "user"]


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "channel_name", "connected_at", "last_seen", "user_agent"]
    search_fields = ["user__username", "channel_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["channel_name", "connected_at", "last_seen", "user_agent"]
