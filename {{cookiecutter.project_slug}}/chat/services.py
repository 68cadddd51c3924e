"""Writes: every change to rooms, memberships, messages and sessions.

Each service takes the acting user first, checks permission, runs in one transaction, and
returns plain data ready for the protocol. What other sockets must learn is handed to
chat.broadcast, which sends it only after the transaction commits.
"""

import contextlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import auth, broadcast, exceptions, payloads, protocol, selectors
from .models import ChatSession, Membership, Message, Reaction, Room

# --- Helpers ----------------------------------------------------------------------------------


def _bump_counter(room_id, column):
    """Increment a room counter, note the activity, and return the new value, in one statement.

    The UPDATE locks the room row until commit, so concurrent senders in one room (on any
    process) take turns and a rollback gives the number back: seq stays gap-free.
    """
    quote = connection.ops.quote_name
    table, column, active = quote(Room._meta.db_table), quote(column), quote("last_activity_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1, {active} = %s "
            f"WHERE id = %s RETURNING {column}",
            [timezone.now(), room_id],
        )
        return cursor.fetchone()[0]


def _users_by_username(usernames):
    """Return active users for the given usernames, or raise naming the unknown ones."""
    users = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    missing = set(usernames) - {user.get_username() for user in users}
    if missing:
        raise exceptions.UserNotFoundError(f"No such users: {', '.join(sorted(missing))}.")
    return users


def _require_admin(membership):
    if membership.role != Membership.Role.ADMIN:
        raise exceptions.ForbiddenError("Only room admins can do this.")


def _member_cap(room):
    site_cap = settings.CHAT["GROUP_MAX_MEMBERS"]
    if room.kind == Room.Kind.DIRECT:
        return 2
    if room.kind == Room.Kind.GROUP and room.max_members:
        return min(room.max_members, site_cap)
    # Broadcast channels have subscribers, not a conversation: no cap.
    return None if room.kind == Room.Kind.CHANNEL else site_cap


def _add_memberships(room, users, *, role=Membership.Role.MEMBER):
    """Add users who are not members yet; return the new memberships.

    New members start with everything before their arrival marked read.
    """
    existing = set(room.memberships.values_list("user_id", flat=True))
    new_users = [user for user in users if user.pk not in existing]
    cap = _member_cap(room)
    if cap is not None and len(existing) + len(new_users) > cap:
        raise exceptions.RoomFullError(f"This room is limited to {cap} members.")
    memberships = Membership.objects.bulk_create(
        [
            Membership(room=room, user=user, role=role, last_read_seq=room.last_seq)
            for user in new_users
        ]
    )
    for membership in memberships:
        membership.room = room
    return memberships


def _announce_joined(room, memberships):
    """Tell new members' sockets to join the room; tell the room who arrived."""
    if not memberships:
        return
    detail = selectors.room_detail(room)
    for membership in memberships:
        broadcast.membership_changed(
            membership.user_id,
            room.pk,
            joined=True,
            envelope=protocol.event(protocol.ROOM_CREATED, {"room": detail}),
        )
    broadcast.room_event(
        room.pk,
        protocol.event(
            protocol.ROOM_MEMBERS_ADDED,
            {"room_id": room.pk, "members": [payloads.member_payload(m) for m in memberships]},
        ),
    )


def _announce_removed(room_id, user_ids, *, reason):
    """Make removed users' sockets leave the room at once; tell the remaining members."""
    for user_id in user_ids:
        broadcast.membership_changed(
            user_id,
            room_id,
            joined=False,
            envelope=protocol.event(protocol.ROOM_REMOVED, {"room_id": room_id, "reason": reason}),
        )
    broadcast.room_event(
        room_id,
        protocol.event(
            protocol.ROOM_MEMBERS_REMOVED, {"room_id": room_id, "user_ids": sorted(user_ids)}
        ),
    )


def _hand_over(room, leaving_user_id):
    """Keep a room led when a member leaves: an owner who is a member, and an admin.

    The owner (created_by) alone manages admins and cannot be demoted or removed by them.
    When the owner goes, ownership passes to the longest-standing admin, else to the
    longest-standing member, who becomes an admin.
    """
    others = room.memberships.exclude(user_id=leaving_user_id).order_by("joined_at", "pk")
    successor = others.filter(role=Membership.Role.ADMIN).first()
    if successor is None:
        successor = others.first()
        if successor is None:
            return
        successor.role = Membership.Role.ADMIN
        successor.save(update_fields=["role"])
    if room.created_by_id in (None, leaving_user_id):
        room.created_by_id = successor.user_id
        room.save(update_fields=["created_by"])


# --- Rooms ------------------------------------------------------------------------------------


def room_create(
    *,
    user,
    kind,
    name="",
    description="",
    members=(),
    is_public=False,
    posting_locked=False,
    max_members=None,
):
    """Create a room with the creator as admin; a direct room between a pair is reused."""
    others = [u for u in _users_by_username(members) if u.pk != user.pk]
    if kind == Room.Kind.DIRECT:
        return _direct_room_create(user=user, others=others)
    if is_public and kind != Room.Kind.CHANNEL:
        raise exceptions.InvalidPayloadError("Only channels can be public.")
    if posting_locked and kind != Room.Kind.GROUP:
        raise exceptions.InvalidPayloadError("posting_locked applies to groups only.")
    if not name.strip():
        raise exceptions.InvalidPayloadError("Groups and channels need a name.")
    with transaction.atomic():
        room = Room.objects.create(
            kind=kind,
            name=name.strip(),
            description=description,
            is_public=is_public,
            posting_locked=posting_locked,
            max_members=max_members if kind == Room.Kind.GROUP else None,
            created_by=user,
        )
        creator = _add_memberships(room, [user], role=Membership.Role.ADMIN)
        added = _add_memberships(room, others)
        detail = selectors.room_detail(room, membership=creator[0])
        _announce_joined(room, creator + added)
    return {"room": detail}


def _direct_room_create(*, user, others):
    if len(others) != 1:
        raise exceptions.InvalidPayloadError("A direct room has exactly one other member.")
    other = others[0]
    key = ":".join(str(pk) for pk in sorted([user.pk, other.pk]))
    existing = Room.objects.filter(direct_key=key).first()
    if existing is not None:
        membership = Membership.objects.get(room=existing, user=user)
        return {"room": selectors.room_detail(existing, membership=membership)}
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_key=key, created_by=user)
            memberships = _add_memberships(room, [user, other])
            detail = selectors.room_detail(room, membership=memberships[0])
            _announce_joined(room, memberships)
    except IntegrityError:
        # The other person created the same pair's room at the same moment: use theirs.
        room = Room.objects.get(direct_key=key)
        membership = Membership.objects.get(room=room, user=user)
        return {"room": selectors.room_detail(room, membership=membership)}
    return {"room": detail}


@transaction.atomic
def room_update(*, user, room_id, admins=None, **changes):
    """Change a group's or channel's settings or admins (admins only)."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    _require_admin(membership)
    room = membership.room
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError("Direct rooms have no settings.")
    if changes.get("is_public") and room.kind != Room.Kind.CHANNEL:
        raise exceptions.InvalidPayloadError("Only channels can be public.")
    if "posting_locked" in changes and room.kind != Room.Kind.GROUP:
        raise exceptions.InvalidPayloadError("posting_locked applies to groups only.")
    if "max_members" in changes:
        if room.kind != Room.Kind.GROUP:
            raise exceptions.InvalidPayloadError("max_members applies to groups only.")
        if changes["max_members"] < room.memberships.count():
            raise exceptions.InvalidPayloadError("max_members is below the current member count.")
    if "name" in changes and not changes["name"]:
        raise exceptions.InvalidPayloadError("name must not be empty.")
    if changes:
        for field, value in changes.items():
            setattr(room, field, value)
        room.save(update_fields=list(changes))
    if admins is not None:
        _set_admins(room, admins, by=user)
    # The room hears the shared view; only the reply carries the admin's own membership.
    broadcast.room_event(
        room.pk, protocol.event(protocol.ROOM_UPDATED, {"room": selectors.room_detail(room)})
    )
    membership.refresh_from_db(fields=["role"])
    return {"room": selectors.room_detail(room, membership=membership)}


def _set_admins(room, admins, *, by):
    """Make exactly ``admins`` the room's admins (its owner only; the owner stays one)."""
    if room.created_by_id != by.pk:
        raise exceptions.ForbiddenError("Only the room's owner can change its admins.")
    admin_ids = {u.pk for u in _users_by_username(admins)}
    if room.memberships.filter(user_id__in=admin_ids).count() != len(admin_ids):
        raise exceptions.InvalidPayloadError("Admins must be members of the room.")
    if by.pk not in admin_ids:
        raise exceptions.InvalidPayloadError("The room's owner is always one of its admins.")
    room.memberships.filter(user_id__in=admin_ids).update(role=Membership.Role.ADMIN)
    room.memberships.exclude(user_id__in=admin_ids).update(role=Membership.Role.MEMBER)


@transaction.atomic
def room_delete(*, user, room_id):
    """Delete a group or channel and its history (admins only)."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    _require_admin(membership)
    if membership.room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError("Direct rooms cannot be deleted; mute them instead.")
    member_ids = list(Membership.objects.filter(room_id=room_id).values_list("user_id", flat=True))
    membership.room.delete()
    for member_id in member_ids:
        broadcast.membership_changed(
            member_id,
            room_id,
            joined=False,
            envelope=protocol.event(protocol.ROOM_DELETED, {"room_id": room_id}),
        )
    return {"room_id": room_id}


@transaction.atomic
def room_join(*, user, room_id):
    """Join a public channel; joining one already joined returns it unchanged."""
    room = selectors.visible_room(user, room_id)
    membership = Membership.objects.filter(room=room, user=user).first()
    if membership is None:
        if not (room.kind == Room.Kind.CHANNEL and room.is_public):
            raise exceptions.RoomNotFoundError()
        (membership,) = _add_memberships(room, [user])
        _announce_joined(room, [membership])
    return {"room": selectors.room_detail(room, membership=membership)}


@transaction.atomic
def room_leave(*, user, room_id):
    """Leave a group or channel; an emptied room is deleted, a leaderless one gets an admin."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    room = membership.room
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError("Direct rooms cannot be left; mute them instead.")
    _hand_over(room, user.pk)
    membership.delete()
    if not room.memberships.exists():
        room.delete()
    _announce_removed(room_id, [user.pk], reason="left")
    return {"room_id": room_id}


@transaction.atomic
def rooms_forget_user(*, user):
    """Before a user is deleted: hand over the rooms they lead, tell the rooms they are gone.

    Their memberships are then deleted with them (CASCADE); direct rooms keep the other
    participant and the history.
    """
    memberships = Membership.objects.filter(user=user).exclude(room__kind=Room.Kind.DIRECT)
    for membership in memberships.select_related("room").select_for_update(of=("room",)):
        _hand_over(membership.room, user.pk)
        _announce_removed(membership.room_id, [user.pk], reason="deleted")


@transaction.atomic
def room_mute(*, user, room_id, muted):
    """Mute or unmute a room for the user: no unread badge, no notifications from it."""
    membership = selectors.membership_for(user, room_id)
    if membership.muted != muted:
        membership.muted = muted
        membership.save(update_fields=["muted"])
        data = {"room_id": room_id, "muted": muted}
        broadcast.user_event(user.pk, protocol.event(protocol.ROOM_MUTED, data))
    return {"room_id": room_id, "muted": muted}


def _room_for_member_changes(user, room_id):
    """Return the locked room whose members ``user`` (an admin) may change, else raise."""
    membership = selectors.membership_for(user, room_id, lock_room=True)
    _require_admin(membership)
    if membership.room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError("Direct rooms have exactly two members.")
    return membership.room


@transaction.atomic
def room_add_members(*, user, room_id, members):
    """Add users to a group or channel (admins only)."""
    room = _room_for_member_changes(user, room_id)
    added = _add_memberships(room, _users_by_username(members))
    _announce_joined(room, added)
    return {"room_id": room.pk, "added": [payloads.member_payload(m) for m in added]}


@transaction.atomic
def room_remove_members(*, user, room_id, members):
    """Remove members (admins only; other admins only by the owner; never the owner)."""
    room = _room_for_member_changes(user, room_id)
    users = _users_by_username(members)
    targets = Membership.objects.filter(room=room, user__in=users).exclude(user=user)
    if targets.filter(user_id=room.created_by_id).exists():
        raise exceptions.ForbiddenError("The room's owner cannot be removed.")
    if room.created_by_id != user.pk and targets.filter(role=Membership.Role.ADMIN).exists():
        raise exceptions.ForbiddenError("Only the room's owner can remove admins.")
    removed = list(targets.values_list("user_id", flat=True))
    targets.delete()
    _announce_removed(room.pk, removed, reason="removed")
    return {"room_id": room.pk, "removed": sorted(removed)}


# --- Messages ---------------------------------------------------------------------------------


def message_send(*, user, room_id, content, client_msg_id=None, reply_to=None):
    """Store a message with the room's next seq and send message.new to every member.

    Idempotent by client_msg_id: a resend returns the stored message and sends nothing.
    """
    try:
        message = _store_message(user, room_id, content, client_msg_id, reply_to)
    except IntegrityError:
        # The client_msg_id was stored before (a retry, or two sends racing). The unique index
        # caught it and the rollback gave the seq back; the stored message is the answer.
        stored = client_msg_id is not None and _stored_message(user, room_id, client_msg_id)
        if not stored:
            raise
        return {"message": stored}
    if message is None:
        _raise_why_not_stored(user, room_id)
    parent = None
    if reply_to is not None:
        parent = Message.objects.select_related("sender").filter(pk=reply_to).first()
    data = {"message": payloads.message_payload(message, reply_to=parent)}
    broadcast.room_event(room_id, protocol.event(protocol.MESSAGE_NEW, data))
    return data


def _stored_message(user, room_id, client_msg_id):
    message = selectors.with_reactions(
        Message.objects.filter(room_id=room_id, sender=user, client_msg_id=client_msg_id)
    ).first()
    return selectors.message_payloads([message])[0] if message else None


def _store_message(user, room_id, content, client_msg_id, reply_to):
    """Store a message with the room's next seq, as read by its sender; return it.

    Returns None, storing nothing, if ``user`` may not post in the room or ``reply_to`` is not
    a message of that room (replies never reach into another room). The room row stays locked
    until commit, so concurrent senders in one room (on any process) take turns, and a
    rollback gives the seq back: seq stays gap-free.

    The chat's hottest write. On PostgreSQL it is one statement: the seq, the permission
    check, the message and the sender's read position in one round trip, which costs a
    seventh of the client CPU and half the database CPU of the same work through the ORM
    (bench/README.md). Other databases run the same rules as three statements in a
    transaction. A column added to Message needs a database default (``db_default``) or a
    place in _postgresql_send_sql(); on PostgreSQL (TEST_DATABASE_URL, as the GitHub workflow
    runs the suite) the send tests fail until it has one.
    """
    now = timezone.now()
    message = Message(
        room_id=room_id,
        sender=user,
        content=content,
        reply_to_id=reply_to,
        client_msg_id=client_msg_id,
        created_at=now,
    )
    if connection.vendor == "postgresql":
        # A statement is its own transaction; inside a caller's transaction a savepoint
        # keeps a failed one (a repeated client_msg_id) from breaking it.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            row = _run(_postgresql_send_sql(reply_to), _send_params(message, now))
        if row is None:
            return None
        message.pk, message.seq = row
        return message
    with transaction.atomic():
        row = _run(_take_seq_sql(reply_to), _take_seq_params(message, now))
        if row is None:
            return None
        message.seq = row[1]
        message.save(force_insert=True)
        Membership.objects.filter(room_id=room_id, user=user).update(last_read_seq=message.seq)
    return message


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _take_seq_sql(reply_to):
    """UPDATE taking the room's next seq where the sender may post (and reply_to is there)."""
    quote = connection.ops.quote_name
    room, member = quote(Room._meta.db_table), quote(Membership._meta.db_table)
    reply_check = ""
    if reply_to is not None:
        message = quote(Message._meta.db_table)
        reply_check = (
            f" AND EXISTS (SELECT 1 FROM {message} r WHERE r.id = %s AND r.room_id = {room}.id)"
        )
    return (
        f"UPDATE {room} SET last_seq = last_seq + 1, last_activity_at = %s "
        f"WHERE id = %s AND EXISTS (SELECT 1 FROM {member} m "
        f"WHERE m.room_id = {room}.id AND m.user_id = %s AND (m.role = %s "
        f"OR ({room}.kind <> %s AND NOT {room}.posting_locked))){reply_check} "
        "RETURNING id, last_seq"
    )


def _take_seq_params(message, now):
    params = [now, message.room_id, message.sender_id, Membership.Role.ADMIN, Room.Kind.CHANNEL]
    if message.reply_to_id is not None:
        params.append(message.reply_to_id)
    return params


def _postgresql_send_sql(reply_to):
    quote = connection.ops.quote_name
    member, table = quote(Membership._meta.db_table), quote(Message._meta.db_table)
    return (
        f"WITH room AS ({_take_seq_sql(reply_to)}), "
        f"reader AS (UPDATE {member} SET last_read_seq = room.last_seq FROM room "
        f"WHERE {member}.room_id = room.id AND {member}.user_id = %s) "
        f"INSERT INTO {table} (room_id, seq, sender_id, content, reply_to_id, "
        "client_msg_id, created_at, rev) "
        # Parameters in a SELECT list have no column to take a type from: the cast types NULL.
        "SELECT room.id, room.last_seq, %s, %s, CAST(%s AS bigint), %s, %s, %s FROM room "
        "RETURNING id, seq"
    )


def _send_params(message, now):
    return [
        *_take_seq_params(message, now),
        message.sender_id,
        message.sender_id,
        message.content,
        message.reply_to_id,
        message.client_msg_id,
        now,
        message.rev,
    ]


def _raise_why_not_stored(user, room_id):
    membership = selectors.membership_for(user, room_id)
    room = membership.room
    if membership.role != Membership.Role.ADMIN:
        if room.kind == Room.Kind.CHANNEL:
            raise exceptions.ForbiddenError("Only admins post in a broadcast channel.")
        if room.posting_locked:
            raise exceptions.ForbiddenError("Posting in this group is limited to admins.")
    # Allowed to post, so the message replied to was not in this room.
    raise exceptions.MessageNotFoundError("The message replied to is not in this room.")


def _changed(message, event_type):
    """Give a changed message the room's next rev and tell the room."""
    message.rev = _bump_counter(message.room_id, "last_rev")
    message.save(update_fields=["rev", "content", "edited_at", "deleted_at"])
    (fresh,) = selectors.with_reactions(Message.objects.filter(pk=message.pk))
    data = {"message": selectors.message_payloads([fresh])[0]}
    broadcast.room_event(message.room_id, protocol.event(event_type, data))
    return data


@transaction.atomic
def message_edit(*, user, message_id, content):
    """Change a message's content (its sender only)."""
    message, _ = selectors.message_for_member(user, message_id, lock_room=True)
    if message.sender_id != user.pk:
        raise exceptions.ForbiddenError("Only the sender can edit a message.")
    if message.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    if message.content == content:
        return {"message": selectors.message_payloads([message])[0]}
    message.content = content
    message.edited_at = timezone.now()
    return _changed(message, protocol.MESSAGE_EDITED)


@transaction.atomic
def message_delete(*, user, message_id):
    """Delete a message (its sender or a room admin); it keeps its seq, shows no content.

    With CHAT["HARD_DELETE"] the content is erased from the database too; otherwise it is kept
    for moderation but never sent to clients again.
    """
    message, membership = selectors.message_for_member(user, message_id, lock_room=True)
    if message.sender_id != user.pk and membership.role != Membership.Role.ADMIN:
        raise exceptions.ForbiddenError("Only the sender or a room admin can delete a message.")
    if message.deleted_at is not None:
        return {"message": selectors.message_payloads([message])[0]}
    message.deleted_at = timezone.now()
    if settings.CHAT["HARD_DELETE"]:
        message.content = ""
    message.reactions.all().delete()
    return _changed(message, protocol.MESSAGE_DELETED)


@transaction.atomic
def message_react(*, user, message_id, emoji):
    """Set the user's one reaction on a message; an empty emoji removes it.

    Sending the reaction one already has is not an error and changes nothing.
    """
    message, _ = selectors.message_for_member(user, message_id, lock_room=True)
    if message.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    current = Reaction.objects.filter(message=message, user=user).first()
    if (current.emoji if current else "") == emoji:
        return {"message": selectors.message_payloads(selectors.with_reactions(
            Message.objects.filter(pk=message.pk)))[0]}  # fmt: skip
    if not emoji:
        current.delete()
    elif current is None:
        Reaction.objects.create(message=message, user=user, emoji=emoji)
    else:
        current.emoji = emoji
        current.save(update_fields=["emoji"])
    return _changed(message, protocol.MESSAGE_REACTIONS)


@transaction.atomic
def message_read(*, user, room_id, seq):
    """Move the user's read pointer forward to ``seq`` (never back); tell the room."""
    membership = selectors.membership_for(user, room_id)
    seq = min(seq, membership.room.last_seq)
    moved = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq
    )
    data = {
        "room_id": room_id,
        "user": payloads.user_payload(user),
        "last_read_seq": max(seq, membership.last_read_seq),
    }
    if moved:
        broadcast.room_event(room_id, protocol.event(protocol.ROOM_READ, data))
    return data


# --- Sessions ---------------------------------------------------------------------------------


def _has_live_session(user):
    return ChatSession.objects.filter(user=user, last_seen__gte=selectors.online_since()).exists()


def _announce_presence(user, room_ids, online):
    for room_id in room_ids:
        broadcast.room_event(
            room_id,
            protocol.event(
                protocol.PRESENCE_CHANGED,
                {"room_id": room_id, "user": payloads.user_payload(user), "online": online},
            ),
        )


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
    online_already = any(last_seen >= selectors.online_since() for _, _, last_seen in others)
    # Back within the grace period of the last socket: offline was never announced.
    if not online_already and not cache.delete(selectors.away_key(user.pk)):
        _announce_presence(user, room_ids, online=True)
    return {"session_id": session.pk, "room_ids": room_ids}


@transaction.atomic
def session_close(*, user, channel_name):
    """Forget a closed socket; return whether it was the user's last.

    The offline announcement waits: after the last socket the user is marked away, and the
    caller runs presence_settle() PRESENCE_GRACE seconds later. A reload or a reconnect
    within that time announces nothing, so nobody's member list flickers.
    """
    ChatSession.objects.filter(channel_name=channel_name).delete()
    last = not _has_live_session(user)
    if last:
        # Outlives the grace period, so a late presence_settle() still finds it.
        grace = settings.CHAT["PRESENCE_GRACE"]
        cache.set(selectors.away_key(user.pk), True, timeout=grace * 2 + 60)
    return {"last": last}


@transaction.atomic
def presence_settle(*, user):
    """Announce ``user`` offline unless a socket came back since the last one closed.

    Safe to run from several processes: only the one that removes the away mark announces.
    """
    if cache.delete(selectors.away_key(user.pk)) and not _has_live_session(user):
        _announce_presence(user, selectors.room_ids_for_user(user.pk), online=False)


@transaction.atomic
def session_heartbeat(*, user, channel_name, credential):
    """Record that a socket is alive; return the positions of the user's rooms, or why the
    socket must close.

    The socket is checked as its connect was (chat.auth), so a revocation whose event was
    lost still ends it. A socket whose row is gone closes too: the row was removed because
    the socket was replaced beyond the session cap (and the eviction was lost) or presumed
    dead by cleanup_chat_sessions; recreating it would break the cap.
    """
    if not auth.credential_valid(credential):
        return {"close_code": protocol.CLOSE_REVOKED}
    touched = ChatSession.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())
    if not touched:
        return {"close_code": protocol.CLOSE_SESSION_REPLACED}
    return {"close_code": None, "rooms": selectors.room_positions_for_user(user.pk)}


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
