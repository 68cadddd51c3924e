"""Sessions: one row per open socket, the per-user cap, heartbeats and cleanup.

A session row says a socket is open on some process (its channel_name routes to it). Rows of
a process that died are removed by the cleanup_chat_sessions command after they stop being
seen; presence counts only rows seen recently (chat.presence).
"""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import auth, broadcast, exceptions, presence, protocol, selectors
from ..models import ChatSession


def _record_sessions(requests, holders, now):
    """Insert a session row for each request whose credential holds, in one statement."""
    return ChatSession.objects.bulk_create(
        ChatSession(
            user=user,
            channel_name=request["channel_name"],
            last_seen=now,
            user_agent=request.get("user_agent", "")[:256],
        )
        for request, user in zip(requests, holders, strict=True)
        if user is not None
    )


@transaction.atomic
def sessions_open(*, requests):
    """Record new sockets and close each user's oldest beyond the cap, for a batch of connects.

    Requests are {"credential", "channel_name", "user_agent"}; results {"user", "session_id",
    "room_ids", "blocked_ids"}, or None where the credential no longer holds (chat.auth). A
    batch (chat.batches) costs five statements however many sockets it holds: the users' rows,
    locked, so a user's concurrent connects on any process take turns and the cap holds; their
    sessions; the insert; their rooms; whom they block (chat.screening). A sixth reads the
    personal access tokens of the sockets opened with one.
    """
    now = timezone.now()
    credentials = [request["credential"] for request in requests]
    users = auth.users_holding(credentials, lock=True)
    holders = [users.get(credential) for credential in credentials]
    user_ids = {user.pk for user in holders if user is not None}
    others = _sessions_newest_first(user_ids)
    sessions = _record_sessions(requests, holders, now)
    opened = {session.channel_name: session for session in sessions}
    _close_beyond_cap(user_ids, others, sessions)
    room_ids = selectors.room_ids_for_users(user_ids)
    blocked_ids = selectors.blocked_ids_for_users(user_ids)
    _announce_arrivals({user.pk: user for user in holders if user is not None}, others, room_ids)
    return [
        None
        if user is None
        else {
            "user": user,
            "session_id": opened[request["channel_name"]].pk,
            "room_ids": room_ids[user.pk],
            "blocked_ids": blocked_ids[user.pk],
        }
        for request, user in zip(requests, holders, strict=True)
    ]


def _sessions_newest_first(user_ids):
    """Return {user id: [(pk, channel_name, last_seen), ...]}, newest first."""
    sessions = defaultdict(list)
    rows = (
        ChatSession.objects.filter(user_id__in=user_ids)
        .order_by("-connected_at", "-pk")
        .values_list("user_id", "pk", "channel_name", "last_seen")
    )
    for user_id, *session in rows:
        sessions[user_id].append(tuple(session))
    return sessions


def _close_beyond_cap(user_ids, others, sessions):
    """Delete and evict each user's sessions past the cap, the new ones counted first."""
    new = defaultdict(list)
    for session in reversed(sessions):  # The batch's last connect is the newest.
        new[session.user_id].append((session.pk, session.channel_name, session.last_seen))
    cap = settings.CHAT["MAX_SESSIONS_PER_USER"]
    excess = [row for user_id in user_ids for row in (new[user_id] + others[user_id])[cap:]]
    if excess:
        ChatSession.objects.filter(pk__in=[pk for pk, _, _ in excess]).delete()
        for _, evicted_channel, _ in excess:
            broadcast.evict(evicted_channel)


def _announce_arrivals(users, others, room_ids):
    """Announce online the users who were offline: not live elsewhere, not within the grace."""
    since = presence.online_since()
    offline = [
        user_id
        for user_id in users
        if not any(last_seen >= since for _, _, last_seen in others[user_id])
    ]
    # Back within the grace period of the last socket: offline was never announced.
    back = presence.came_back_many(offline)
    arrived = {users[user_id]: room_ids[user_id] for user_id in offline if user_id not in back}
    presence.announce_many(arrived, online=True)


@transaction.atomic
def sessions_close(*, requests):
    """Forget closed sockets, a batch of them; return for each whether it was its user's last.

    Each request is {"user", "channel_name"}. After the last socket the user is only marked
    away: the caller runs presence.settle() PRESENCE_GRACE seconds later
    (presence.settle_later), so a reload or a reconnect within that time announces nothing
    and nobody's member list flickers.
    """
    ChatSession.objects.filter(
        channel_name__in=[request["channel_name"] for request in requests]
    ).delete()
    user_ids = {request["user"].pk for request in requests}
    gone = user_ids - presence.users_with_live_sessions(user_ids)
    presence.mark_away_many(gone)
    return [{"last": request["user"].pk in gone} for request in requests]


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


def sessions_touch(*, requests):
    """Record activity on a batch of sockets (chat.batches), each {"channel_name"}: one UPDATE.

    Every socket writes its last_seen every LAST_SEEN_WRITE_INTERVAL seconds while it is
    used; written one by one, those writes would queue beside the messages on the database
    threads.
    """
    channel_names = [request["channel_name"] for request in requests]
    ChatSession.objects.filter(channel_name__in=channel_names).update(last_seen=timezone.now())
    return [None] * len(requests)


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
