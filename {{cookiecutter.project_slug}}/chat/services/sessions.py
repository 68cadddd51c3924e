"""Sessions: one row per open socket, the per-user cap, heartbeats and cleanup.

A session row says a socket is open on some process (its channel_name routes to it). Rows of
a process that died are removed by the cleanup_chat_sessions command after they stop being
seen; presence counts only rows seen recently (chat.presence).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .. import auth, broadcast, exceptions, presence, protocol, selectors
from ..models import ChatSession


@transaction.atomic
def session_open(*, user, channel_name, user_agent=""):
    """Record a new socket, close the user's oldest beyond the cap; return its room ids.

    Runs on every connect, so it reads the user's sessions and rooms once each. The user's
    row is locked first: concurrent connects of one user (on any process) take turns, so each
    sees the sessions the others recorded and the cap holds.
    """
    now = timezone.now()
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    # Newest first: the ones past the cap (counting the new one) are closed.
    others = list(
        ChatSession.objects.filter(user=user)
        .order_by("-connected_at", "-pk")
        .values_list("pk", "channel_name", "last_seen")
    )
    session = ChatSession.objects.create(
        user=user, channel_name=channel_name, last_seen=now, user_agent=user_agent[:256]
    )
    excess = others[settings.CHAT["MAX_SESSIONS_PER_USER"] - 1 :]
    if excess:
        ChatSession.objects.filter(pk__in=[pk for pk, _, _ in excess]).delete()
        for _, evicted_channel, _ in excess:
            broadcast.evict(evicted_channel)
    room_ids = selectors.room_ids_for_user(user.pk)
    online_already = any(last_seen >= presence.online_since() for _, _, last_seen in others)
    # Back within the grace period of the last socket: offline was never announced.
    if not online_already and not presence.came_back(user.pk):
        presence.announce(user, room_ids, online=True)
    return {"session_id": session.pk, "room_ids": room_ids}


@transaction.atomic
def session_close(*, user, channel_name):
    """Forget a closed socket; return whether it was the user's last.

    After the last socket the user is only marked away: the caller runs presence.settle()
    PRESENCE_GRACE seconds later (presence.settle_later), so a reload or a reconnect within
    that time announces nothing and nobody's member list flickers.
    """
    ChatSession.objects.filter(channel_name=channel_name).delete()
    last = not presence.has_live_session(user)
    if last:
        presence.mark_away(user.pk)
    return {"last": last}


@transaction.atomic
def session_heartbeat(*, user, channel_name, credential):
    """Record that a socket is alive; return the positions of the user's rooms.

    Raises CloseSocket when the socket must go. Its credential is checked as its connect was
    (chat.auth), so a revocation whose event was lost still ends it. A socket whose row is
    gone closes too: the row was removed because the socket was replaced beyond the session
    cap (and the eviction was lost) or presumed dead by cleanup_chat_sessions; recreating it
    would break the cap.
    """
    if not auth.credential_valid(credential):
        raise exceptions.CloseSocket(protocol.CLOSE_REVOKED)
    if not session_touch(channel_name=channel_name):
        raise exceptions.CloseSocket(protocol.CLOSE_SESSION_REPLACED)
    return {
        "server_time": timezone.now().isoformat(),
        "rooms": selectors.room_positions_for_user(user.pk),
    }


def session_touch(*, channel_name):
    """Record activity on a socket; return False if the session row is gone."""
    return bool(
        ChatSession.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())
    )


def sessions_cleanup(*, older_than):
    """Delete sessions not seen for ``older_than`` (their process died); return them.

    Safe to run concurrently: each row is deleted by exactly one DELETE, and a session that is
    touched meanwhile no longer matches.
    """
    cutoff = timezone.now() - older_than
    stale = list(
        ChatSession.objects.filter(last_seen__lt=cutoff).values_list(
            "pk", "user_id", "channel_name"
        )
    )
    deleted, _ = ChatSession.objects.filter(
        pk__in=[pk for pk, _, _ in stale], last_seen__lt=cutoff
    ).delete()
    return {"deleted": deleted, "sessions": [(user_id, channel) for _, user_id, channel in stale]}
