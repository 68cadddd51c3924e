"""Remove uploads that no message took, and their files (run by Heroku Scheduler)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat import services


class Command(BaseCommand):
    help = "Delete attachments uploaded more than --older-than seconds ago and never sent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.CHAT["ATTACHMENT_UNATTACHED_TTL"],
            help="Seconds after its upload an unsent attachment is removed (default: %(default)s).",
        )

    def handle(self, *args, older_than, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 second.")
        deleted = services.uploads_cleanup(older_than=timedelta(seconds=older_than))
        self.stdout.write(self.style.SUCCESS(f"Removed {deleted} unsent upload(s)."))
