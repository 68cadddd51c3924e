"""Deployment checks of the chat's own settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Warn when the site's public address is unknown: digests cannot link back to it."""
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL is not set, so digest emails have no address to link to and "
            "send_chat_digests refuses to send them.",
            hint=(
                "Set SITE_URL to the site's public address (https://...), or on Heroku run "
                "`heroku labs:enable runtime-dyno-metadata` to use the app's herokuapp.com "
                "address."
            ),
            id="chat.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def push_settings_check(app_configs, **kwargs):
    """Warn about Web Push settings that cannot be meant in production (chat.push)."""
    found = []
    if bool(settings.VAPID_PUBLIC_KEY) != bool(settings.VAPID_PRIVATE_KEY):
        found.append(
            checks.Warning(
                "Only one of VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY is set: Web Push is off.",
                hint="Set both lines that `python manage.py vapid_keys` prints.",
                id="chat.W002",
            )
        )
    from .push import enabled, sender

    if enabled() and not sender.valid_subject(sender.subject()):
        found.append(
            checks.Warning(
                f"VAPID_SUBJECT {sender.subject()!r} is not a mailto: address or an https: URL "
                "without a port: push services refuse the pushes.",
                hint="Set VAPID_SUBJECT to mailto:you@example.com or https://example.com.",
                id="chat.W004",
            )
        )
    if settings.CHAT["PUSH_ALLOW_LOOPBACK"] and not settings.DEBUG:
        found.append(
            checks.Warning(
                "CHAT_PUSH_ALLOW_LOOPBACK is on: a push subscription may make this server send "
                "requests to itself.",
                hint="Unset CHAT_PUSH_ALLOW_LOOPBACK in production.",
                id="chat.W003",
            )
        )
    return found
