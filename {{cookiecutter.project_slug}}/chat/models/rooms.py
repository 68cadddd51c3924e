"""Rooms and who is in them: memberships, bans and invitations.

The database is the source of truth for who is in which room; channel-layer groups and caches
are derived from Membership rows and can be rebuilt at any time. Invariants live here as
constraints so that no code path, the admin included, can break them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


def direct_key_for(user_id, other_id):
    """Return the direct_key of the direct room between two users."""
    return ":".join(str(pk) for pk in sorted([user_id, other_id]))


class Room(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        GROUP = "group", "Group"
        CHANNEL = "channel", "Broadcast channel"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500, blank=True)
    # Channels only: anyone signed in may find and join a public channel.
    is_public = models.BooleanField(default=False)
    # Groups only: when set, only admins may post.
    posting_locked = models.BooleanField(default=False)
    # Groups only: a cap below the site-wide CHAT["GROUP_MAX_MEMBERS"].
    max_members = models.PositiveIntegerField(null=True, blank=True)
    # Direct rooms only: "<lower user id>:<higher user id>", so a pair has one room at most.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The seq of the newest message: allocated under this row's lock, so it is gap-free.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped by every edit, delete and reaction, so clients can catch up on changes too.
    last_rev = models.PositiveBigIntegerField(default=0, editable=False)
    # When the last message was sent or changed: room lists show the liveliest rooms first.
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["direct", "group", "channel"]), name="chat_room_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="direct", direct_key__isnull=False)
                | (~Q(kind="direct") & Q(direct_key__isnull=True)),
                name="chat_room_direct_key_iff_direct",
            ),
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(kind="channel"),
                name="chat_room_only_channels_public",
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_public"], name="chat_room_public_idx")]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} #{self.pk}"


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ADMIN = "admin", "Admin"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    # db_index off: the (user, room) index below serves lookups by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_memberships",
        db_index=False,
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Everything up to and including this seq has been read; unread = room.last_seq - this.
    last_read_seq = models.PositiveBigIntegerField(default=0)
    # Everything up to and including this seq reached at least one of the member's devices
    # (message.delivered, in batches); never behind last_read_seq. Senders' ticks read it.
    last_delivered_seq = models.PositiveBigIntegerField(default=0, db_default=0)
    muted = models.BooleanField(default=False)
    # Mentions of this member after last_read_seq (chat.notifications keeps it): a counter on
    # the row connects and room lists already read, so showing it costs them nothing.
    unread_mentions = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Direct rooms only: the other member blocked this one, who still reads but cannot post.
    # Kept here, on the row the send statement already checks, so a block costs sends nothing.
    blocked_by_peer = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["member", "admin"]), name="chat_membership_role_valid"
            ),
        ]
        # room_list_for_user and the connect path read memberships by user.
        indexes = [models.Index(fields=["user", "room"], name="chat_membership_user_idx")]

    def __str__(self):
        return f"{self.user} in {self.room}"


class RoomBan(models.Model):
    """A user removed from a room who may not join or be added again until unbanned."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="chat_ban_unique")]

    def __str__(self):
        return f"{self.user} banned from {self.room}"


class RoomInvitation(models.Model):
    """An offer to join a group or channel, which the person invited accepts or declines.

    Nobody is put into a room without consent, unless the two already share a conversation
    or the inviter is a site admin (chat.permissions.addable_without_consent).
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_invitation_unique")
        ]

    def __str__(self):
        return f"{self.user} invited to {self.room}"
