"""Bots: users that post into one room through its incoming webhook (chat.bots)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .rooms import Room


class Bot(models.Model):
    """A bot user's credential for one room's webhook (``POST /hooks/<id>``).

    Only the token's hash is stored: the token is shown once, when the bot is made. Its
    prefix is stored as well, to tell tokens apart (in the admin, in a team's secret store)
    without being able to use one. A revoked bot keeps its user, so its messages still
    name their sender.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot"
    )
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bots")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room_id", "pk"]

    def __str__(self):
        return f"{self.user} in {self.room}"
