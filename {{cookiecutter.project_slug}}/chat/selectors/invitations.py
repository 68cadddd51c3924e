"""The user's pending invitations to rooms (chat.services.invitations makes and answers them)."""

from django.conf import settings

from ..models import RoomInvitation
from ..payloads import invitation_payload


def invitation_list(*, user):
    """Return the user's pending invitations, newest first (as many as notification.list)."""
    rows = (
        RoomInvitation.objects.filter(user=user)
        .select_related("room", "invited_by")
        .order_by("-pk")[: settings.CHAT["NOTIFICATIONS_LIST_MAX"]]
    )
    return {"invitations": [invitation_payload(row) for row in rows]}
