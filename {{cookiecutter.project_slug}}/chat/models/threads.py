"""Who follows which thread, and how far they read it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .messages import Message


class ThreadFollow(models.Model):
    """A user's relation to a thread: following it (notified of its replies) and read up to.

    Made when the user starts taking part (the root's author at the first reply, a replier,
    someone mentioned in a reply) or follows by hand; unfollowing keeps the row with
    ``following`` false, so a later reply does not follow again the root's author who chose
    not to (replying or being mentioned does, as in Slack).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    root = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    # The room seq of the last reply the user read in this thread (0: none).
    last_read_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "root"], name="chat_threadfollow_unique")
        ]
        # threads.list: a user's followed threads; notifying: a thread's followers.
        indexes = [
            models.Index(
                fields=["root", "user"],
                condition=Q(following=True),
                name="chat_threadfollow_root_idx",
            )
        ]

    def __str__(self):
        return f"{self.user} follows {self.root}"
