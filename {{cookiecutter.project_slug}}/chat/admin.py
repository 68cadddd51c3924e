"""The site moderators' tools. What they change here reaches open sockets at once.

Memberships, bans and message deletions made here go through chat.services, as the members'
own changes do, so the affected sockets join or leave rooms and hear the change as soon as
the admin's transaction commits, not at their next heartbeat.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F

from . import exceptions
from .models import Block, ChatSession, Membership, Message, Reaction, Report, Room, RoomBan
from .services import message_remove
from .services import moderation as moderation_services


class MembershipForm(forms.ModelForm):
    """A ban holds in the admin too: a banned user is unbanned (Room bans) before being added."""

    class Meta:
        model = Membership
        fields = ["room", "user", "role", "last_read_seq", "muted"]

    def clean(self):
        data = super().clean()
        room = data.get("room") or getattr(self.instance, "room", None)
        user = data.get("user")
        new = self.instance.pk is None and room is not None and user is not None
        if new and RoomBan.objects.filter(room=room, user=user).exists():
            raise forms.ValidationError(
                f"{user} is banned from this room. Lift the ban (Room bans) to add them."
            )
        return data


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at", "last_read_seq", "last_delivered_seq", "blocked_by_peer"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "is_public", "posting_locked", "last_seq", "created_at"]
    list_filter = ["kind", "is_public"]
    search_fields = ["name"]
    readonly_fields = ["direct_key", "last_seq", "last_rev", "created_at"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            moderation_services.announce_room_changed(obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            for membership in formset.new_objects:
                moderation_services.announce_added(membership)
            for membership in formset.deleted_objects:
                moderation_services.announce_deleted(membership.room_id, membership.user_id)
            if formset.changed_objects:
                changed = [m for m, _ in formset.changed_objects]
                moderation_services.announce_room_changed(form.instance, changed)

    def delete_model(self, request, obj):
        room_id, member_ids = obj.pk, list(obj.memberships.values_list("user_id", flat=True))
        super().delete_model(request, obj)
        moderation_services.announce_room_deleted(room_id, member_ids)

    def delete_queryset(self, request, queryset):
        members = {
            room.pk: list(room.memberships.values_list("user_id", flat=True)) for room in queryset
        }
        super().delete_queryset(request, queryset)
        for room_id, member_ids in members.items():
            moderation_services.announce_room_deleted(room_id, member_ids)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["id", "room", "user", "role", "last_read_seq", "muted", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "room__name"]
    raw_id_fields = ["room", "user"]
    readonly_fields = ["last_delivered_seq", "blocked_by_peer"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            moderation_services.announce_added(obj)
        elif "role" in form.changed_data:
            moderation_services.announce_room_changed(obj.room, [obj])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        moderation_services.announce_deleted(obj.room_id, obj.user_id)

    def delete_queryset(self, request, queryset):
        removed = list(queryset.values_list("room_id", "user_id"))
        super().delete_queryset(request, queryset)
        for room_id, user_id in removed:
            moderation_services.announce_deleted(room_id, user_id)


@admin.action(description="Delete the selected messages for everyone")
def delete_messages(modeladmin, request, queryset):
    for message_id in queryset.values_list("pk", flat=True):
        message_remove(message_id=message_id)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "seq", "sender", "created_at", "edited_at", "deleted_at"]
    list_filter = ["deleted_at"]
    search_fields = ["content", "sender__username"]
    raw_id_fields = ["room", "sender", "reply_to"]
    # seq is allocated under the room lock by the send service; never typed by hand. Deleting
    # goes through the action, which keeps the seq and tells the room.
    readonly_fields = ["seq", "rev", "client_msg_id", "created_at", "deleted_at"]
    actions = [delete_messages]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A removed row would leave a gap in its room's seqs; the action deletes in place.
        return False


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["id", "message", "user", "emoji", "created_at"]
    raw_id_fields = ["message", "user"]


@admin.register(RoomBan)
class RoomBanAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "user", "banned_by", "reason", "created_at"]
    search_fields = ["user__username", "room__name"]
    raw_id_fields = ["room", "user", "banned_by"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # Banning someone still in the room removes them, at once.
            moderation_services.remove_from_room(obj.room, obj.user, reason="banned")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["id", "blocker", "blocked", "created_at"]
    search_fields = ["blocker__username", "blocked__username"]
    raw_id_fields = ["blocker", "blocked"]

    def has_add_permission(self, request):
        return False  # A block is its user's choice, made in the chat.

    def has_change_permission(self, request, obj=None):
        return False


def _act_on_senders(request, queryset, act, resolution):
    """Apply ``act(room, sender)`` to each reported message's sender; resolve the reports."""
    done = set()
    for report in queryset.select_related("message__room", "message__sender"):
        message = report.message
        if message.sender is None or (message.room_id, message.sender_id) in done:
            continue
        try:
            with transaction.atomic():
                act(message.room, message.sender)
        except exceptions.ChatError as exc:
            messages.warning(request, f"Report {report.pk}: {exc.detail}")
            continue
        done.add((message.room_id, message.sender_id))
    moderation_services.resolve_reports(
        queryset.filter(message__room_id__in={room_id for room_id, _ in done}), resolution
    )


@admin.action(description="Delete the reported messages")
def delete_reported_messages(modeladmin, request, queryset):
    for message_id in set(queryset.values_list("message_id", flat=True)):
        message_remove(message_id=message_id)
    moderation_services.resolve_reports(queryset, "message deleted")


@admin.action(description="Remove the senders from the rooms")
def remove_senders(modeladmin, request, queryset):
    _act_on_senders(request, queryset, moderation_services.remove_from_room, "sender removed")


@admin.action(description="Ban the senders from the rooms")
def ban_senders(modeladmin, request, queryset):
    def ban(room, sender):
        moderation_services.ban_from_room(room, sender, by=request.user, reason="Reported")

    _act_on_senders(request, queryset, ban, "sender banned")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The moderation queue: unresolved reports first, oldest first."""

    list_display = ["id", "message", "message_text", "reporter", "reason", "created_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["reason", "reporter__username", "message__content"]
    raw_id_fields = ["message", "reporter"]
    readonly_fields = ["message", "reporter", "reason", "created_at", "resolved_at", "resolution"]
    ordering = [F("resolved_at").desc(nulls_first=True), "created_at"]
    actions = [delete_reported_messages, remove_senders, ban_senders]

    @admin.display(description="Message")
    def message_text(self, report):
        return report.message.content[:200]

    def has_add_permission(self, request):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "channel_name", "connected_at", "last_seen", "user_agent"]
    search_fields = ["user__username", "channel_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["channel_name", "connected_at", "last_seen", "user_agent"]


# Bots have an admin of their own (chat.bots_admin), registered with the others.
from . import bots_admin  # noqa: E402, F401
