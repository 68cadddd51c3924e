from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self):
        from . import redaction, signals  # noqa: F401 (signals connects its receivers)

        redaction.install()
