"""Open WebSockets, one row each."""

from django.conf import settings
from django.db import models


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
    # The browser session of a page that reported itself visible on this socket
    # (session.visibility), else "": Web Push skips that browser while its page is in view.
    visible_session = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [
            # The session cap finds a user's oldest sessions; presence finds recent ones.
            models.Index(fields=["user", "connected_at"], name="chat_session_user_idx"),
            models.Index(fields=["last_seen"], name="chat_session_last_seen_idx"),
        ]

    def __str__(self):
        return f"{self.user} on {self.channel_name}"
