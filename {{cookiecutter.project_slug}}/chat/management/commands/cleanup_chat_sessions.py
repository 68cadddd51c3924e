"""Remove chat sessions whose process died without closing them (run by Heroku Scheduler)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat import services


class Command(BaseCommand):
    help = "Delete chat sessions not seen for --older-than seconds; safe to run concurrently."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            # Several missed heartbeats: live sockets write last_seen far more often.
            default=settings.CHAT["PRESENCE_TTL"] * 5,
            help="Seconds since last_seen after which a session is stale (default: %(default)s).",
        )

    def handle(self, *args, older_than, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 second.")
        result = services.sessions_cleanup(older_than=timedelta(seconds=older_than))
        for user_id, channel_name in result["sessions"]:
            self.stdout.write(f"removed session {channel_name} of user {user_id}")
        self.stdout.write(self.style.SUCCESS(f"Removed {result['deleted']} stale chat session(s)."))
