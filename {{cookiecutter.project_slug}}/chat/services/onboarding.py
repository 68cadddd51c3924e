"""The public channels everyone is in from the start: CHAT["DEFAULT_ROOMS"].

A new user should land in a conversation, not on an empty page. So every user joins the
default channels when the account is created, whichever way it is (the sign-up form, a social
login, createsuperuser, the admin, the demo command): chat.signals calls join_default_rooms
from the user model's post_save. The channels themselves are made by the migration
0010_default_rooms on a new site, and by ``manage.py create_default_rooms`` after the setting
changes; joining never creates one (two sign-ups at once would make two #general).

Who owns them: the site's first superuser, as the channel's owner and admin. A channel made
before any superuser exists (a fresh site migrates before createsuperuser) has no owner; the
first superuser to join it takes it over. Until then nobody posts in it (in a channel only
admins post) and everyone reads it, which is what an announcements channel is.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .. import exceptions
from ..models import Membership, Room, RoomBan
from .members import add_memberships, announce_joined

logger = logging.getLogger(__name__)


def default_room_names():
    return list(settings.CHAT["DEFAULT_ROOMS"])


def create_default_rooms(room_model=Room, membership_model=Membership, user_model=None):
    """Create each default channel that does not exist yet; return the new rooms' names.

    Takes the models as arguments so the migration can pass its historical ones.
    """
    user_model = user_model or get_user_model()
    owner = user_model.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    created = []
    for name in default_room_names():
        if _default_rooms(room_model, [name]):
            continue
        room = room_model.objects.create(
            kind=Room.Kind.CHANNEL, name=name, is_public=True, created_by=owner
        )
        if owner is not None:
            membership_model.objects.create(room=room, user=owner, role=Membership.Role.ADMIN)
        created.append(name)
    return created


def _default_rooms(room_model, names):
    """The public channels of these names, the oldest of each name (one query)."""
    rooms = room_model.objects.filter(kind=Room.Kind.CHANNEL, is_public=True, name__in=names)
    oldest = {}
    for room in rooms.order_by("pk"):
        oldest.setdefault(room.name, room)
    return [oldest[name] for name in names if name in oldest]


def default_rooms():
    return _default_rooms(Room, default_room_names())


@transaction.atomic
def join_default_rooms(user):
    """Make ``user`` a member of every default channel (already one: nothing changes).

    A channel at its member limit, or one that banned the user, is left out: signing up must
    not fail for it.
    """
    if not user.is_active:
        return []
    joined = []
    for room in default_rooms():
        if RoomBan.objects.filter(room=room, user=user).exists():
            continue
        role = Membership.Role.MEMBER
        if room.created_by_id is None and user.is_superuser:
            Room.objects.filter(pk=room.pk).update(created_by=user)
            room.created_by = user
            role = Membership.Role.ADMIN
        try:
            added = add_memberships(room, [user], role=role)
        except exceptions.RoomFullError:
            logger.warning("Default room %s is full; user %s not added", room.pk, user.pk)
            continue
        announce_joined(room, added)
        joined += added
    return joined


def home_room_id(user):
    """The room a user's first page opens: their first default channel while they are in
    nothing else (a new user), else None (the page opens what its address says)."""
    names = default_room_names()
    if not names:
        return None
    memberships = Membership.objects.filter(user=user).select_related("room")
    rooms = [m.room for m in memberships.order_by("room_id")[: len(names) + 1]]
    defaults = {room.pk for room in default_rooms()}
    if not rooms or any(room.pk not in defaults for room in rooms):
        return None
    return min(rooms, key=lambda room: names.index(room.name)).pk
