"""Reads for a socket's session: what a client learns when it connects."""

from django.conf import settings
from django.utils import timezone

from .. import payloads
from .rooms import room_positions_for_users


def session_hellos(*, requests):
    """Return the data of session.hello for a batch of connects (chat.batches), one query.

    Each request is {"user", "session_id"}; each hello names the user, the limits and every
    room's position. Read after the socket has joined its groups, so a message committed
    meanwhile is both delivered and counted in the positions; the client fetches what it
    lacks by seq.
    """
    positions = room_positions_for_users({request["user"].pk for request in requests})
    limits = settings.CHAT
    now = timezone.now().isoformat()
    return [
        {
            "session_id": request["session_id"],
            "user": payloads.profile_payload(request["user"]),
            "server_time": now,
            "heartbeat_interval": limits["HEARTBEAT_INTERVAL"],
            "limits": {
                "max_frame_bytes": limits["MAX_FRAME_BYTES"],
                "max_content_chars": limits["MAX_CONTENT_CHARS"],
                "page_max": limits["PAGE_MAX"],
                "rate_per_second": limits["RATE_LIMIT_PER_SECOND"],
                "rate_burst": limits["RATE_LIMIT_BURST"],
            },
            "settings": payloads.settings_payload(request["user"]),
            "rooms": positions[request["user"].pk],
        }
        for request in requests
    ]
