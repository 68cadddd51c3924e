"""Blocks between users and reports of messages for the site's moderators."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .messages import Message


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
