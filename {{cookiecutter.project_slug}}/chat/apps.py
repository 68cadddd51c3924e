from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        # Importing registers: signals its receivers, checks the deployment checks.
        from . import checks, redaction, signals  # noqa: F401
        from .push import hooks  # noqa: F401

        redaction.install()
