"""The chat's hand-written SQL: hot statements the ORM would run as several round trips.

Each builder returns ``(sql, params)`` with named parameters, so a statement reads as what it
does and no list of values can drift out of step with its placeholders. Table and column
names come from the models, quoted by the database backend. Who may post is written once, in
chat.permissions, beside its Python form.
"""

from django.db import connection

from . import permissions
from .models import Membership, Message, Room


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
    membership row the statement reads anyway, so blocks add no work to a send).

    RETURNING gives (room id, seq); no row means nothing may be stored.
    """
    room, member = _quote(Room._meta.db_table), _quote(Membership._meta.db_table)
    reply_check = ""
    if message.reply_to_id is not None:
        table = _quote(Message._meta.db_table)
        reply_check = (
            f" AND EXISTS (SELECT 1 FROM {table} r "
            f"WHERE r.id = %(reply_to)s AND r.room_id = {room}.id)"
        )
    sql = (
        f"UPDATE {room} SET last_seq = last_seq + 1, last_activity_at = %(now)s "
        f"WHERE id = %(room_id)s AND EXISTS (SELECT 1 FROM {member} m "
        f"WHERE m.room_id = {room}.id AND m.user_id = %(sender_id)s AND NOT m.blocked_by_peer "
        f"AND {permissions.may_post_sql(room, 'm')}){reply_check} "
        "RETURNING id, last_seq"
    )
    params = {
        "now": now,
        "room_id": message.room_id,
        "sender_id": message.sender_id,
        "reply_to": message.reply_to_id,
        **permissions.post_params(),
    }
    return sql, params


def send_message(message, now):
    """PostgreSQL: take the seq, store the message and mark it read by its sender, at once.

    RETURNING gives (message id, seq). A column added to Message needs a database default
    (``db_default``) or a place in this INSERT; on PostgreSQL (TEST_DATABASE_URL, as the
    GitHub workflow runs the suite) the send tests fail until it has one.
    """
    take_sql, params = take_seq(message, now)
    member, table = _quote(Membership._meta.db_table), _quote(Message._meta.db_table)
    sql = (
        f"WITH room AS ({take_sql}), "
        f"reader AS (UPDATE {member} SET last_read_seq = room.last_seq FROM room "
        f"WHERE {member}.room_id = room.id AND {member}.user_id = %(sender_id)s) "
        f"INSERT INTO {table} (room_id, seq, sender_id, content, content_html, reply_to_id, "
        "client_msg_id, created_at, rev) "
        # Parameters in a SELECT list have no column to take a type from: the cast types NULL.
        "SELECT room.id, room.last_seq, %(sender_id)s, %(content)s, %(content_html)s, "
        "CAST(%(reply_to)s AS bigint), %(client_msg_id)s, %(now)s, %(rev)s FROM room "
        "RETURNING id, seq"
    )
    stored = {
        "content": message.content,
        "content_html": message.content_html,
        "client_msg_id": message.client_msg_id,
    }
    return sql, {**params, **stored, "rev": message.rev}
