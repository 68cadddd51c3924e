"""Email the digests that are due (chat/digests.py); the scheduler runs it every ten minutes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat import digests


class Command(BaseCommand):
    help = "Email each user who is due a digest of what they missed; safe to run concurrently."

    def handle(self, *args, **options):
        if not settings.EMAIL_CONFIGURED:
            self.stdout.write(
                self.style.WARNING(
                    "Digests are off: no email service is set (EMAIL_HOST, or the Mailgun"
                    " add-on). Nothing was sent."
                )
            )
            return
        if not settings.SITE_URL:
            # Outside DEBUG there is no safe guess: a link to the local server would be sent
            # to every recipient, and a digest is marked sent once it goes.
            raise CommandError(
                "SITE_URL is not set: digests would link nowhere. Set SITE_URL to the site's "
                "public address, or on Heroku run `heroku labs:enable runtime-dyno-metadata`."
                " Nothing was sent."
            )
        sent = digests.send_due()
        for user_id, notifications, direct_rooms in sent:
            self.stdout.write(
                f"digest to user {user_id}: {notifications} notification(s), "
                f"{direct_rooms} direct room(s)"
            )
        self.stdout.write(self.style.SUCCESS(f"Sent {len(sent)} digest(s)."))
