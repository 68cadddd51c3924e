"""The user's unread notifications (chat.notifications decides who gets them)."""

from django.conf import settings

from ..models import Membership, Message, Notification
from ..notifications import notification_payload
from .messages import message_payloads, with_reactions


def unread_notifications(user_id):
    """The user's unread notifications still worth showing: in rooms they are in, of
    messages not deleted since."""
    return Notification.objects.filter(
        user_id=user_id,
        read_at__isnull=True,
        room_id__in=Membership.objects.filter(user_id=user_id).values("room_id"),
        message__deleted_at__isnull=True,
    )


def notification_list(*, user):
    """Return the newest unread notifications, each with its message as it is now."""
    rows = list(
        unread_notifications(user.pk).order_by("-pk")[: settings.CHAT["NOTIFICATIONS_LIST_MAX"]]
    )
    messages = with_reactions(Message.objects.filter(pk__in=[row.message_id for row in rows]))
    loaded = list(messages)
    by_id = dict(zip((m.pk for m in loaded), message_payloads(loaded, user), strict=True))
    return {"notifications": [notification_payload(row, by_id[row.message_id]) for row in rows]}
