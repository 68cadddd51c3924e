"""Deployment checks of the account settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def email_for_accounts_check(app_configs, **kwargs):
    """Warn when accounts rely on email that nothing can send: with mandatory confirmation
    no new account could ever log in, and nobody could reset a password."""
    if settings.EMAIL_CONFIGURED or settings.ACCOUNT_EMAIL_VERIFICATION == "none":
        return []
    return [
        checks.Warning(
            f"ACCOUNT_EMAIL_VERIFICATION is {settings.ACCOUNT_EMAIL_VERIFICATION!r} but no "
            "email service is configured: confirmation and password reset emails are not sent.",
            hint="Set EMAIL_HOST (or add the Mailgun add-on), or ACCOUNT_EMAIL_VERIFICATION=none.",
            id="accounts.W001",
        )
    ]
