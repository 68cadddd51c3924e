"""Rooms, memberships, messages, reactions, attachments and live sessions.

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


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    # Messages outlive their authors: deleting a user keeps the conversation readable.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField()
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A forwarded copy's original (message.forward); only readers of its room can follow it.
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Chosen by the client and reused on retries: a resend returns the stored message. NULL,
    # not "", for messages without one, so the partial unique index below skips them.
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The room's last_rev when this message last changed (0: never changed).
    rev = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_room_seq_unique"),
            models.UniqueConstraint(
                fields=["room", "sender", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="chat_message_client_msg_id_unique",
            ),
            models.CheckConstraint(condition=Q(seq__gt=0), name="chat_message_seq_positive"),
        ]
        # The (room, seq) unique index serves history and catch-up; this one serves changes.
        indexes = [models.Index(fields=["room", "rev"], name="chat_message_room_rev_idx")]

    def __str__(self):
        return f"{self.room_id}#{self.seq}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="chat_reaction_one_per_user")
        ]

    def __str__(self):
        return f"{self.emoji} on {self.message}"


class Attachment(models.Model):
    """A file a member uploaded to a room, stored through STORAGES["attachments"].

    Uploaded first (POST /api/attachments/), then attached to one message by message.send;
    until then ``message`` is NULL and cleanup_chat_uploads removes it after a while. The
    content type is the one detected from the bytes, never the one the client declared.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # The name shown and offered for download: the upload's name, cleaned, with the
    # extension of the detected type.
    name = models.CharField(max_length=200)
    # The storage keys: random, never derived from what the client sent. A forwarded copy
    # shares its original's keys (no bytes are copied), so a file goes with its last row.
    stored_name = models.CharField(max_length=255, db_index=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # cleanup_chat_uploads finds old uploads that no message took.
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(message__isnull=True),
                name="chat_attachment_unattached_idx",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_image(self):
        return bool(self.thumbnail_name)


class Block(models.Model):
    """``blocker`` takes no direct messages from ``blocked`` (chat.services.moderation)."""

    # db_index off: the unique (blocker, blocked) index serves lookups by blocker.
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="chat_block_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="chat_block_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.blocker} blocks {self.blocked}"


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


class Report(models.Model):
    """A member's report of a message, queued for the site's moderators in the Django admin."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the admin's actions; the queue shows unresolved reports first.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="chat_report_once")
        ]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="chat_report_queue_idx")]

    def __str__(self):
        return f"Report of {self.message} by {self.reporter}"


class Notification(models.Model):
    """Something a user should hear of (chat.notifications decides what): unread until the
    user reads its room past it, and emailed at most once, in a digest."""

    class Kind(models.TextChoices):
        MENTION = "mention", "Mention"
        REPLY = "reply", "Reply"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    # The message's seq: reading the room up to it reads the notification.
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="chat_notification_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["mention", "reply"]), name="chat_notification_kind_valid"
            ),
        ]
        indexes = [
            # The unread ones, by user and room: the page's list, clearing on read, digests.
            models.Index(
                fields=["user", "room", "seq"],
                condition=Q(read_at__isnull=True),
                name="chat_notification_unread_idx",
            )
        ]

    def __str__(self):
        return f"{self.kind} for {self.user} in {self.room}"


class Digest(models.Model):
    """A digest email sent to a user (chat.digests): at most one per window, and what came
    before it is not listed again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_digests"
    )
    sent_at = models.DateTimeField()
    notifications = models.PositiveIntegerField()
    direct_rooms = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["user", "sent_at"], name="chat_digest_user_idx")]

    def __str__(self):
        return f"digest for {self.user} at {self.sent_at:%Y-%m-%d %H:%M}"


class ChatSession(models.Model):
    """One open WebSocket; deleted on disconnect, or by cleanup_chat_sessions after a crash."""

    # db_index off: the (user, connected_at) index below serves lookups by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_sessions",
        db_index=False,
    )
    # The socket's name, "<process's layer channel>!<socket id>" (chat.fanout): a layer send
    # to it reaches this one socket, on whichever process holds it.
    channel_name = models.CharField(max_length=100, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    user_agent = models.CharField(max_length=256, blank=True)

    class Meta:
        indexes = [
            # The session cap finds a user's oldest sessions; presence finds recent ones.
            models.Index(fields=["user", "connected_at"], name="chat_session_user_idx"),
            models.Index(fields=["last_seen"], name="chat_session_last_seen_idx"),
        ]

    def __str__(self):
        return f"{self.user} on {self.channel_name}"
