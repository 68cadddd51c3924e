"""What a user should hear of, and the digest emails that told them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .messages import Message
from .rooms import Room


class Notification(models.Model):
    """Something a user should hear of (chat.notifications decides what): unread until the
    user reads its room past it, and emailed at most once, in a digest."""

    class Kind(models.TextChoices):
        MENTION = "mention", "Mention"
        REPLY = "reply", "Reply"
        THREAD_REPLY = "thread_reply", "Thread reply"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
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
                condition=Q(kind__in=["mention", "reply", "thread_reply"]),
                name="chat_notification_kind_valid",
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
