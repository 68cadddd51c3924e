"""Email the digests that are due (chat/digests.py); the scheduler runs it every ten minutes."""

from django.conf import settings
from django.core.management.base import BaseCommand

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
        sent = digests.send_due()
        for user_id, notifications, direct_rooms in sent:
            self.stdout.write(
                f"digest to user {user_id}: {notifications} notification(s), "
                f"{direct_rooms} direct room(s)"
            )
        self.stdout.write(self.style.SUCCESS(f"Sent {len(sent)} digest(s)."))
