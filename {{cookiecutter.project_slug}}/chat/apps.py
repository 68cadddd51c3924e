from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        # Importing registers: signals its receivers, checks the deployment checks.
        from . import checks, redaction, signals  # noqa: F401
        from .push import enabled, hooks

        redaction.install()
        # Without the VAPID keys nothing listens for messages: chat.notifications then
        # registers no after-commit work for them.
        if enabled():
            hooks.connect()
