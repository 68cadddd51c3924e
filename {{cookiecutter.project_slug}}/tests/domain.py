"""Builders of rooms, messages and socket names for the domain tests (services, selectors).

Rooms are made through the services, as users make them; what that publishes goes to the
test's in-memory channel layer, where no socket listens.
"""

from chat import services
from chat.models import Membership, Message, Room

PROCESS = "specific.tests"  # the layer channel of the pretend process holding the sockets


def socket_name(socket_id):
    """A socket's channel name as chat.fanout forms it: ``<process channel>!<socket id>``."""
    return f"{PROCESS}!{socket_id}"


def make_room(owner, kind, *members, name="Team", **options):
    """Create a room as ``owner`` (its admin and owner) with ``members``; return the Room."""
    created = services.room_create(
        user=owner, kind=kind, name=name, members=[m.get_username() for m in members], **options
    )
    return Room.objects.get(pk=created["room"]["id"])


def group(owner, *members, **options):
    return make_room(owner, Room.Kind.GROUP, *members, **options)


def channel(owner, *members, is_public=True, **options):
    return make_room(owner, Room.Kind.CHANNEL, *members, is_public=is_public, **options)


def direct(user, other):
    return make_room(user, Room.Kind.DIRECT, other, name="")


def send(user, room, content="hello", **options):
    """Send a message as ``user``; return the stored Message."""
    sent = services.message_send(user=user, room_id=room.pk, content=content, **options)
    return Message.objects.get(pk=sent["message"]["id"])


def make_admin(room, user):
    """Make a member an admin the way the owner does (room.update with admins)."""
    admins = set(
        room.memberships.filter(role=Membership.Role.ADMIN).values_list("user__username", flat=True)
    )
    services.room_update(
        user=room.created_by, room_id=room.pk, admins=sorted(admins | {user.get_username()})
    )
