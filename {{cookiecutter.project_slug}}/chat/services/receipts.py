"""Read and delivery positions, and the user's chat settings (read receipts, digests).

A member's two positions only move forward: last_read_seq (message.read, as the user reads)
and last_delivered_seq (message.delivered, as a device receives, acknowledged in batches).
A read implies delivery, so a read moves both, and room.delivered follows it only when no
device had acknowledged the message yet. Who hears of
a move is chat.selectors.receipts' rule: the room in direct rooms and small groups, else only
the member's own devices, and a read of someone who shares none only their own devices.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from .. import broadcast, exceptions, notifications, payloads, protocol
from ..models import Membership
from ..selectors.receipts import own_membership, receipts_enabled


@transaction.atomic
def message_read(*, user, room_id, seq):
    """Move the user's read pointer forward to ``seq`` (never back); tell who may know."""
    membership = own_membership(user, room_id)
    room = membership.room
    seq = min(seq, room.last_seq)
    moved = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq, last_delivered_seq=Greatest(F("last_delivered_seq"), Value(seq))
    )
    data = {
        "room_id": room_id,
        "user": payloads.user_payload(user),
        "last_read_seq": max(seq, membership.last_read_seq),
    }
    if not moved:
        return data
    notifications.read_up_to(membership, seq)
    event = protocol.event(protocol.ROOM_READ, data)
    receipts = receipts_enabled(room)
    if membership.user.read_receipts and receipts:
        broadcast.room_event(room_id, event, read_by=user.pk)
    else:
        broadcast.user_event(user.pk, event)  # the user's other devices, for unread counts
    if receipts and seq > max(membership.last_delivered_seq, membership.last_read_seq):
        # Read before any device acknowledged it: senders who see no reads (this reader's
        # or their own setting) still see it delivered.
        _delivered_event(room_id, user, seq)
    return data


@transaction.atomic
def message_delivered(*, user, positions):
    """Move the user's delivered positions forward, many rooms in one request.

    Every room named must be one of the user's, or nothing moves. A position beyond the
    room's newest message stops at it.
    """
    wanted = {}
    for position in positions:
        wanted[position.room_id] = max(wanted.get(position.room_id, 0), position.seq)
    memberships = list(
        Membership.objects.select_related("room")
        .filter(user=user, room_id__in=wanted)
        .order_by("room_id")
    )
    if len(memberships) != len(wanted):
        missing = min(set(wanted) - {m.room_id for m in memberships})
        raise exceptions.RoomNotFoundError(f"No such room: {missing}.")
    result = []
    for membership in memberships:
        seq = min(wanted[membership.room_id], membership.room.last_seq)
        moved = Membership.objects.filter(
            pk=membership.pk, last_delivered_seq__lt=seq, last_read_seq__lt=seq
        ).update(last_delivered_seq=seq)
        position = max(seq, membership.last_delivered_seq, membership.last_read_seq)
        if moved and receipts_enabled(membership.room):
            _delivered_event(membership.room_id, user, position)
        result.append({"room_id": membership.room_id, "last_delivered_seq": position})
    return {"positions": result}


def _delivered_event(room_id, user, seq):
    data = {"room_id": room_id, "user": payloads.user_payload(user), "last_delivered_seq": seq}
    broadcast.room_event(room_id, protocol.event(protocol.ROOM_DELIVERED, data))


@transaction.atomic
def settings_update(*, user, read_receipts=None, email_digests=None, push_notifications=None):
    """Change the user's chat settings; every socket of the user applies them at once."""
    asked = {
        "read_receipts": read_receipts,
        "email_digests": email_digests,
        "push_notifications": push_notifications,
    }
    changes = {name: value for name, value in asked.items() if value is not None}
    if not changes:
        raise exceptions.InvalidPayloadError("Name a setting to change.")
    fresh = get_user_model().objects.select_for_update().get(pk=user.pk)
    changed = {name for name, value in changes.items() if getattr(fresh, name) != value}
    for name, value in changes.items():
        setattr(fresh, name, value)
    if changed:
        fresh.save(update_fields=sorted(changed))
    data = payloads.settings_payload(fresh)
    if changed:
        event = protocol.event(protocol.SETTINGS_UPDATED, data)
        broadcast.user_event(user.pk, event, settings=data)
    return data
