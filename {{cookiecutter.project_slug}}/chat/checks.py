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
