"""Create the default public channels (CHAT["DEFAULT_ROOMS"]) that do not exist yet.

The migration 0010_default_rooms makes them once; after the setting changes, this makes the
new ones. New users join them when their account is created; --join-everyone puts the
existing active users in them too (idempotent: members stay as they are).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from chat import services


class Command(BaseCommand):
    help = "Create the default public channels; --join-everyone adds every active user."

    def add_arguments(self, parser):
        parser.add_argument(
            "--join-everyone", action="store_true", help="Make every active user a member."
        )

    def handle(self, *args, join_everyone=False, **options):
        created = services.create_default_rooms()
        self.stdout.write(f"Created {len(created)} default room(s): {', '.join(created) or '-'}")
        if join_everyone:
            joined = 0
            for user in get_user_model().objects.filter(is_active=True).iterator():
                joined += len(services.join_default_rooms(user))
            self.stdout.write(f"Added {joined} membership(s).")
