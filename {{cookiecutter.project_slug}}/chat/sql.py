"""The chat's hand-written SQL: hot statements the ORM would run as several round trips.

Each builder returns ``(sql, params)`` with named parameters, so a statement reads as what it
does and no list of values can drift out of step with its placeholders. Table and column
names come from the models, quoted by the database backend. Who may post is written once, in
chat.permissions, beside its Python form.
"""

from django.conf import settings
from django.db import connection

from . import permissions
from .models import Membership, Message, Room, ThreadFollow


def fetch_one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _quote(name):
    return connection.ops.quote_name(name)


def bump_counter(room_id, column, now):
    """Increment a room counter and note the activity; RETURNING gives the new value.

    The UPDATE locks the room row until commit, so concurrent writers in one room (on any
    process) take turns and a rollback gives the number back.
    """
    room, column = _quote(Room._meta.db_table), _quote(column)
    sql = (
        f"UPDATE {room} SET {column} = {column} + 1, last_activity_at = %(now)s "
        f"WHERE id = %(room_id)s RETURNING {column}"
    )
    return sql, {"now": now, "room_id": room_id}


def take_seq(message, now):
    """UPDATE taking the room's next seq if the sender may post (and the reply is there).

    A sender whose direct room's other member blocked them may not post (a flag on the
    membership row the statement reads anyway, so blocks add no work to a send). A thread
    reply's root must be a live message of the room that is not itself a thread reply, and
    the reply also takes the room's next rev: its root's summary changes (thread_summary).

    RETURNING gives (room id, seq, rev); no row means nothing may be stored.
    """
    room, member = _quote(Room._meta.db_table), _quote(Membership._meta.db_table)
    table = _quote(Message._meta.db_table)
    checks = ""
    if message.reply_to_id is not None:
        checks += (
            f" AND EXISTS (SELECT 1 FROM {table} r "
            f"WHERE r.id = %(reply_to)s AND r.room_id = {room}.id)"
        )
    if message.thread_root_id is not None:
        checks += (
            f" AND EXISTS (SELECT 1 FROM {table} t WHERE t.id = %(thread_root)s "
            f"AND t.room_id = {room}.id AND t.thread_root_id IS NULL AND t.deleted_at IS NULL)"
        )
    sql = (
        f"UPDATE {room} SET last_seq = last_seq + 1, last_rev = last_rev + %(rev_step)s, "
        f"last_activity_at = %(now)s WHERE id = %(room_id)s AND EXISTS (SELECT 1 FROM {member} m "
        f"WHERE m.room_id = {room}.id AND m.user_id = %(sender_id)s AND NOT m.blocked_by_peer "
        f"AND {permissions.may_post_sql(room, 'm')}){checks} "
        "RETURNING id, last_seq, last_rev"
    )
    params = {
        "now": now,
        "room_id": message.room_id,
        "sender_id": message.sender_id,
        "reply_to": message.reply_to_id,
        "thread_root": message.thread_root_id,
        "rev_step": 0 if message.thread_root_id is None else 1,
        **permissions.post_params(),
    }
    return sql, params


def send_message(message, now):
    """PostgreSQL: take the seq, store the message and mark it read by its sender, at once.

    RETURNING gives (message id, seq). A column added to Message needs a database default
    (``db_default``) or a place in this INSERT; on PostgreSQL (TEST_DATABASE_URL, as the
    GitHub workflow runs the suite) the send tests fail until it has one. A thread reply
    updates its root's summary in the same statement (thread_summary).
    """
    take_sql, params = take_seq(message, now)
    member, table = _quote(Membership._meta.db_table), _quote(Message._meta.db_table)
    root = ""
    if message.thread_root_id is not None:
        root, summary = thread_summary()
        root, params = f"root AS ({root}), ", {**params, **summary}
    sql = (
        f"WITH room AS ({take_sql}), {root}"
        f"reader AS (UPDATE {member} SET last_read_seq = room.last_seq FROM room "
        f"WHERE {member}.room_id = room.id AND {member}.user_id = %(sender_id)s) "
        f"INSERT INTO {table} (room_id, seq, sender_id, content, content_html, reply_to_id, "
        "client_msg_id, created_at, rev, thread_root_id, also_to_room) "
        # Parameters in a SELECT list have no column to take a type from: the cast types NULL.
        "SELECT room.id, room.last_seq, %(sender_id)s, %(content)s, %(content_html)s, "
        "CAST(%(reply_to)s AS bigint), %(client_msg_id)s, %(now)s, %(rev)s, "
        "CAST(%(thread_root)s AS bigint), %(also_to_room)s FROM room "
        "RETURNING id, seq"
    )
    stored = {
        "content": message.content,
        "content_html": message.content_html,
        "client_msg_id": message.client_msg_id,
    }
    extra = {"rev": message.rev, "also_to_room": message.also_to_room}
    return sql, {**params, **stored, **extra}


def thread_summary():
    """The UPDATE of a thread's root for a new reply, inside send_message's WITH (``room``).

    One more reply, its time, the room's new rev, and the replier among the participants:
    the first THREAD_PARTICIPANTS ids are kept in order; the count grows for someone not
    among them who never replied before (an index probe on (thread_root, sender), made only
    once the list is full). The root's row is locked after the room's, as every writer of a
    message does, so a busy thread waits for nothing the room's seq did not already make it
    wait for.
    """
    table = _quote(Message._meta.db_table)
    sender = "to_jsonb(CAST(%(sender_id)s AS bigint))"
    ids = "thread_participant_ids"
    shown = f"({ids} @> {sender})"
    full = f"(jsonb_array_length({ids}) >= %(participants_kept)s)"
    sql = (
        f"UPDATE {table} SET thread_reply_count = thread_reply_count + 1, "
        "thread_last_reply_at = %(now)s, rev = room.last_rev, "
        f"thread_participant_count = thread_participant_count + CASE WHEN {shown} THEN 0 "
        f"WHEN NOT {full} THEN 1 WHEN EXISTS (SELECT 1 FROM {table} p "
        "WHERE p.thread_root_id = %(thread_root)s AND p.sender_id = %(sender_id)s) THEN 0 "
        f"ELSE 1 END, {ids} = CASE WHEN {shown} OR {full} THEN {ids} ELSE {ids} || {sender} END "
        f"FROM room WHERE {table}.id = %(thread_root)s"
    )
    return sql, {"participants_kept": settings.CHAT["THREAD_PARTICIPANTS"]}


def follow_reply(message, now):
    """A replier follows the thread (again) and has read it up to their reply, in one
    statement; the read position never moves back (replies of one sender on two devices may
    finish in either order). Portable: PostgreSQL and SQLite both read this upsert."""
    table = _quote(ThreadFollow._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, root_id, following, last_read_seq, created_at) "
        "VALUES (%(user_id)s, %(root_id)s, TRUE, %(seq)s, %(now)s) "
        "ON CONFLICT (user_id, root_id) DO UPDATE SET following = TRUE, "
        f"last_read_seq = CASE WHEN excluded.last_read_seq > {table}.last_read_seq "
        f"THEN excluded.last_read_seq ELSE {table}.last_read_seq END"
    )
    params = {"user_id": message.sender_id, "root_id": message.thread_root_id, "seq": message.seq}
    return sql, {**params, "now": now}


def send_messages(messages, now):
    """PostgreSQL: a batch's plain sends (no thread, no files) stored in one statement.

    Each room of the batch is locked once, in id order (two batches sharing rooms wait for
    each other, never deadlock), and its ``last_seq`` moves once by the number of its sends
    that may be stored; those take the seqs after it in the order they came, so seqs stay
    gap-free and in order. One multi-row INSERT stores them, and each sender's read position
    moves once per room, to their last message. A send its sender may not make (not a
    member, may not post, blocked, a reply to a message of another room) is left out;
    RETURNING names the stored ones by their place in ``messages`` (counted from 1):
    (place, message id, seq).

    What one stored message costs PostgreSQL falls with the batch: one room UPDATE and one
    read position per room instead of per message, one statement for all (bench/README.md).
    """
    params = {
        "rooms": [m.room_id for m in messages],
        "senders": [m.sender_id for m in messages],
        "contents": [m.content for m in messages],
        "htmls": [m.content_html for m in messages],
        "replies": [m.reply_to_id for m in messages],
        "client_ids": [m.client_msg_id for m in messages],
        "now": now,
        **permissions.post_params(),
    }
    return f"WITH {_batch_allowed()}, {_batch_writes()}", params


def _batch_allowed():
    """The batch's sends (``input``), its rooms locked in id order (``locked``), and the
    sends that may be stored with the seq each takes (``allowed``)."""
    room, member = _quote(Room._meta.db_table), _quote(Membership._meta.db_table)
    table = _quote(Message._meta.db_table)
    return (
        "input AS (SELECT * FROM unnest(CAST(%(rooms)s AS bigint[]), "
        "CAST(%(senders)s AS bigint[]), CAST(%(contents)s AS text[]), CAST(%(htmls)s AS text[]), "
        "CAST(%(replies)s AS bigint[]), CAST(%(client_ids)s AS text[])) WITH ORDINALITY "
        "AS i(room_id, sender_id, content, content_html, reply_to_id, client_msg_id, place)), "
        f"locked AS MATERIALIZED (SELECT id, last_seq, kind, posting_locked FROM {room} "
        "WHERE id IN (SELECT room_id FROM input) ORDER BY id FOR UPDATE), "
        "allowed AS MATERIALIZED (SELECT input.*, locked.last_seq + row_number() OVER "
        "(PARTITION BY input.room_id ORDER BY input.place) AS seq FROM input "
        "JOIN locked ON locked.id = input.room_id "
        f"JOIN {member} m ON m.room_id = input.room_id AND m.user_id = input.sender_id "
        f"WHERE NOT m.blocked_by_peer AND {permissions.may_post_sql('locked', 'm')} "
        f"AND (input.reply_to_id IS NULL OR EXISTS (SELECT 1 FROM {table} r "
        "WHERE r.id = input.reply_to_id AND r.room_id = input.room_id)))"
    )


def _batch_writes():
    """Each room's last_seq and each sender's read position moved once, the messages
    inserted, and the stored ones named by their place in the batch."""
    room, member = _quote(Room._meta.db_table), _quote(Membership._meta.db_table)
    table = _quote(Message._meta.db_table)
    return (
        f"bumped AS (UPDATE {room} SET last_seq = last.seq, last_activity_at = %(now)s "
        "FROM (SELECT room_id, max(seq) AS seq FROM allowed GROUP BY room_id) last "
        f"WHERE {room}.id = last.room_id), "
        f"reader AS (UPDATE {member} SET last_read_seq = last.seq FROM (SELECT room_id, "
        "sender_id, max(seq) AS seq FROM allowed GROUP BY room_id, sender_id) last "
        f"WHERE {member}.room_id = last.room_id AND {member}.user_id = last.sender_id), "
        f"stored AS (INSERT INTO {table} (room_id, seq, sender_id, content, content_html, "
        "reply_to_id, client_msg_id, created_at, rev, thread_root_id, also_to_room) "
        "SELECT room_id, seq, sender_id, content, content_html, reply_to_id, client_msg_id, "
        "%(now)s, 0, NULL, FALSE FROM allowed ORDER BY room_id, seq RETURNING id, room_id, seq) "
        "SELECT allowed.place, stored.id, stored.seq FROM allowed "
        "JOIN stored ON stored.room_id = allowed.room_id AND stored.seq = allowed.seq"
    )
