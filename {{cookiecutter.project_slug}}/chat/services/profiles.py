"""Profiles: a user's display name, status, time zone and avatar, and who learns of a change.

The fields live on the user row (accounts.User), loaded with every message and membership,
so showing them costs no query. A change is told at once to the user's own sockets and to
the rooms they are in, through each room's group: one publish per room, however many
members it has, and the layer delivers to the sockets of the room on every process. Rooms
of more than CHAT["PROFILE_EVENT_MAX_ROOM_SIZE"] members are not told (a user in a few large
channels would otherwise reach thousands of sockets with every change): their members see
the new name and avatar on the user's next message (message payloads carry them) and in
room.members. A client in several rooms with the user hears the change once per room; it
carries the whole profile, so applying it twice changes nothing.
"""

import functools
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from .. import avatars, broadcast, exceptions, payloads, protocol, reactions
from ..models import Membership
from .attachments import attachment_storage

# The profile's keys in profile.update, and the user's fields behind them.
FIELDS = {
    "display_name": "display_name",
    "status": "status_text",
    "status_emoji": "status_emoji",
    "time_zone": "time_zone",
}


@transaction.atomic
def profile_update(*, user, display_name=None, status=None, status_emoji=None, time_zone=None):
    """Change some of the user's profile ("" clears a field); tell whoever shares a room."""
    given = {"display_name": display_name, "status": status}
    given |= {"status_emoji": _emoji(status_emoji), "time_zone": _time_zone(time_zone)}
    changes = {FIELDS[key]: value for key, value in given.items() if value is not None}
    if not changes:
        raise exceptions.InvalidPayloadError("Name a part of the profile to change.")
    fresh = get_user_model().objects.select_for_update().get(pk=user.pk)
    changed = sorted(name for name, value in changes.items() if getattr(fresh, name) != value)
    for name in changed:
        setattr(fresh, name, changes[name])
    if changed:
        fresh.save(update_fields=changed)
        announce(fresh)
    return {"user": payloads.profile_payload(fresh)}


def _emoji(value):
    if not value:
        return value
    if (emoji := reactions.single_emoji(value)) is None:
        raise exceptions.InvalidPayloadError("status_emoji must be exactly one emoji.")
    return emoji


def _time_zone(value):
    if value and value not in time_zones():
        raise exceptions.InvalidPayloadError("time_zone must be an IANA time zone name.")
    return value


@functools.cache
def time_zones():
    """The IANA names this server knows (its zoneinfo database), read once."""
    return frozenset(zoneinfo.available_timezones())


def avatar_set(*, user, upload):
    """Make the upload the user's avatar (chat.avatars); return {"user": profile}.

    The image is made and stored before the transaction that points the user at it (no row
    stays locked while an image decodes), and removed again if that fails.
    """
    limits = settings.CHAT
    if upload.size > limits["AVATAR_MAX_BYTES"]:
        raise exceptions.UploadTooLargeError(
            f"Avatars are limited to {limits['AVATAR_MAX_BYTES']} bytes."
        )
    data = avatars.square_webp(upload, limits=limits)
    name = attachment_storage().save(avatars.new_name(user.pk), avatars.content(data))
    try:
        with transaction.atomic():
            return _avatar_swap(user, name)
    except BaseException:
        attachment_storage().delete(name)
        raise


def avatar_remove(*, user):
    """Remove the user's avatar: the page draws their initials again."""
    with transaction.atomic():
        return _avatar_swap(user, "")


def _avatar_swap(user, name):
    """Point the user at the avatar ``name``; the old file goes once that commits."""
    fresh = get_user_model().objects.select_for_update().get(pk=user.pk)
    old, fresh.avatar = fresh.avatar, name
    fresh.save(update_fields=["avatar"])
    if old:
        transaction.on_commit(lambda: attachment_storage().delete(old))
    if old != name:
        announce(fresh)
    return {"user": payloads.profile_payload(fresh)}


def announce(user):
    """Tell the user's own sockets and their rooms up to the size limit, after commit."""
    envelope = protocol.event(protocol.USER_UPDATED, {"user": payloads.profile_payload(user)})
    broadcast.user_event(user.pk, envelope, profile=profile_fields(user))
    for room_id in _told_rooms(user):
        broadcast.room_event(room_id, envelope)


def profile_fields(user):
    """The fields each socket of the user copies onto its own user (chat.screening)."""
    return {name: getattr(user, name) for name in (*FIELDS.values(), "avatar")}


def _told_rooms(user):
    """The user's rooms of at most PROFILE_EVENT_MAX_ROOM_SIZE members, in one query."""
    mine = Membership.objects.filter(user_id=user.pk).values("room_id")
    return list(
        Membership.objects.filter(room_id__in=mine)
        .values("room_id")
        .annotate(size=Count("pk"))
        .filter(size__lte=settings.CHAT["PROFILE_EVENT_MAX_ROOM_SIZE"])
        .order_by("room_id")
        .values_list("room_id", flat=True)
    )
