"""Read and delivery receipts, derived from the positions members already keep.

No row per message per reader: a message is seen by every other member whose last_read_seq
reaches its seq, and delivered to every one whose last_delivered_seq does. Receipts exist in
direct rooms and in groups of up to CHAT["RECEIPTS_MAX_ROOM_SIZE"] members, and reads are
shown only between two users who both share them (accounts.User.read_receipts).
"""

from django.conf import settings

from .. import exceptions, payloads
from ..models import Membership, Room


def receipts_enabled(room):
    """Whether the room's members learn of each other's reads and deliveries.

    Channels never: their readers are an audience, and a count of them is not a receipt.
    """
    if room.kind == Room.Kind.DIRECT:
        return True
    if room.kind == Room.Kind.CHANNEL:
        return False
    size = Membership.objects.filter(room=room).count()
    return size <= settings.CHAT["RECEIPTS_MAX_ROOM_SIZE"]


def own_membership(user, room_id):
    """The user's membership with its room and a fresh user row (settings may have changed)."""
    membership = (
        Membership.objects.select_related("room", "user").filter(room_id=room_id, user=user).first()
    )
    if membership is None:
        raise exceptions.RoomNotFoundError()
    return membership


def room_receipts(*, user, room_id):
    """Where every other member of the room stands: delivered, and read where both share."""
    membership = own_membership(user, room_id)
    room = membership.room
    if not receipts_enabled(room):
        return {"room_id": room.pk, "enabled": False, "members": []}
    shares = membership.user.read_receipts
    others = (
        Membership.objects.filter(room=room)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "room_id": room.pk,
        "enabled": True,
        "members": [
            {
                "user": payloads.user_payload(other.user),
                "last_read_seq": (
                    other.last_read_seq if shares and other.user.read_receipts else None
                ),
                "last_delivered_seq": max(other.last_delivered_seq, other.last_read_seq),
            }
            for other in others
        ],
    }
