"""Web Push subscriptions: one row per browser that asked to be notified while closed."""

from django.conf import settings
from django.db import models


class PushSubscription(models.Model):
    """A browser's push endpoint and keys (RFC 8030, RFC 8291), tied to the login that made it.

    ``session_key`` is the Django session the page was signed in with when it subscribed:
    logging that session out, or anything that ends it (a password change, "log out
    everywhere"), ends the subscription too (chat.push.hooks, chat.push.sender), so a
    shared computer stops getting someone's notifications once they sign out.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    session_key = models.CharField(max_length=40, db_index=True)
    # The push service's URL for this browser: unique, as one browser has one per site.
    endpoint = models.URLField(max_length=1024, unique=True)
    # The browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} on {self.endpoint[:60]}"

    def info(self):
        """The subscription as pywebpush takes it (the browser's PushSubscription.toJSON())."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
