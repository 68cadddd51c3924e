"""Make a bot in a room and print its webhook and token, which are shown this once.

For a site's operators (a room admin can do the same from the chat, bot.create). The token is
printed once and only its hash is kept: store it in the sender's secret store at once.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chat import exceptions, numbers, services
from chat.models import Room


class Command(BaseCommand):
    help = "Make a bot that posts into a room through its webhook; prints its token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The bot's username.")
        parser.add_argument("--room", required=True, help="The room's id, or its exact name.")

    @transaction.atomic
    def handle(self, *args, name, room, **options):
        target = self._room(room)
        try:
            # Locked as bot.create locks it: the room's member count is checked under it.
            Room.objects.select_for_update().filter(pk=target.pk).first()
            made = services.create_bot(target, name)
        except exceptions.ChatError as refused:
            raise CommandError(f"{refused.detail} Nothing was created.") from None
        url = f"{settings.SITE_URL}{made['url']}"
        self.stdout.write(f"bot: {made['bot']['user']['username']} in {target.name}")
        self.stdout.write(f"webhook: {url}")
        self.stdout.write(f"token (shown once, store it now): {made['token']}")
        self.stdout.write(
            f"try: curl -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json'"
            f' -d \'{{"text": "Hello"}}\' {url}'
        )

    def _room(self, room):
        rooms = Room.objects.exclude(kind=Room.Kind.DIRECT)
        room_id = numbers.parse_int(room)
        found = list(rooms.filter(pk=room_id) if room_id else rooms.filter(name=room)[:2])
        if len(found) != 1:
            why = "No group or channel is" if not found else "More than one room is"
            raise CommandError(f"{why} {room!r}: name it by its id. Nothing was created.")
        return found[0]
