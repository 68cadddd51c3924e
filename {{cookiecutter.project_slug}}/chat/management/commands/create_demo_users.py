"""Create two users who can chat at once, for a local demo; prints their passwords.

Their password is published (here and in the README), so the command runs only with DEBUG on:
a production site would otherwise accept anyone who read it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chat import services
from chat.models import Room, RoomInvitation

DEMO_USERS = ["alice", "bob"]
DEMO_PASSWORD = "chat-demo-password"


class Command(BaseCommand):
    help = (
        "Create the demo users alice and bob, a room they share, and the default channels "
        "they are in (idempotent)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_demo_users runs only with DEBUG on: its password is published, and a "
                "site without DEBUG would accept it. Nothing was created."
            )
        # The default channels (#general) are the demo's first page; new users join them.
        services.create_default_rooms()
        user_model = get_user_model()
        users = []
        for username in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.save()
            services.join_default_rooms(user)
            users.append(user)
        if not Room.objects.filter(kind=Room.Kind.GROUP, name="Welcome").exists():
            services.room_create(user=users[0], kind="group", name="Welcome", members=DEMO_USERS)
            # Strangers are invited, not added: the demo's users accept at once.
            for invitation in RoomInvitation.objects.filter(user__in=users):
                services.invitation_accept(user=invitation.user, invitation_id=invitation.pk)
        for user in users:
            self.stdout.write(f"demo user: {user.username} / password: {DEMO_PASSWORD}")
