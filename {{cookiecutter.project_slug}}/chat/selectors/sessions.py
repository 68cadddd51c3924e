"""Reads for a socket's session: what a client learns when it connects."""

from django.conf import settings
from django.utils import timezone

from .. import payloads
from .rooms import room_positions_for_user


def session_hello(*, user, session_id):
    """Return the data of session.hello: who the user is, the limits, every room's position.

    Read after the socket has joined its groups, so a message committed meanwhile is both
    delivered and counted in the positions; the client fetches what it lacks by seq.
    """
    limits = settings.CHAT
    return {
        "session_id": session_id,
        "user": payloads.user_payload(user),
        "server_time": timezone.now().isoformat(),
        "heartbeat_interval": limits["HEARTBEAT_INTERVAL"],
        "limits": {
            "max_frame_bytes": limits["MAX_FRAME_BYTES"],
            "max_content_chars": limits["MAX_CONTENT_CHARS"],
            "page_max": limits["PAGE_MAX"],
            "rate_per_second": limits["RATE_LIMIT_PER_SECOND"],
            "rate_burst": limits["RATE_LIMIT_BURST"],
        },
        "rooms": room_positions_for_user(user.pk),
    }
