"""The message.send calls of one batch (chat.batches), stored in one transaction.

At PostgreSQL's default durability every commit waits for the WAL to reach the disk, and
every statement costs the database its own planning, locking and index work. The sends a
process receives while earlier ones are being stored share one commit, and on PostgreSQL
a batch of plain sends (no thread, no files: nearly all of them) is one statement
(chat.sql.send_messages): each room's seq moves once, each sender's read position once,
and one multi-row INSERT stores them all. Each send's message.new still goes out after the
commit, in seq order within its room (bench/README.md has the figures).
"""

from django.db import connection, transaction
from django.utils import timezone

from .. import exceptions, notifications, sql
from . import threads
from .messages import announce, message_send, new_message, raise_why_not_stored, send_one


def messages_send(*, requests):
    """Store a batch's sends; return each one's answer, or its refusal, in order.

    A send refused by a rule returns its error (raised to its caller alone, chat.batches); a
    database error (a repeated client_msg_id) fails the batch, which chat.batches then runs
    again one by one, where message_send answers it as it always did.

    Rooms are locked in id order whatever order the sends came in (the order within a room
    is kept), so two batches sending to the same rooms wait for each other, never deadlock.
    """
    if len(requests) == 1:
        return [_result_or_refusal(message_send, requests[0])]
    with transaction.atomic():
        if connection.vendor == "postgresql" and all(map(_plain, requests)):
            return _send_plain(requests)
        return _send_one_by_one(requests)


def _plain(request):
    return not any(request.get(key) for key in ("attachments", "thread_root_id", "also_to_room"))


def _send_one_by_one(requests):
    """Each send its own statement, rooms in id order: other databases, and a batch with a
    thread reply or files (whose statements differ, chat.services.messages)."""
    results = [None] * len(requests)
    for i in sorted(range(len(requests)), key=lambda i: requests[i]["room_id"]):
        request = requests[i]
        if request.get("attachments"):
            # Its own savepoint: files that cannot be attached undo only this message.
            results[i] = _result_or_refusal(message_send, request)
        else:
            results[i] = _result_or_refusal(_send_in_batch, request)
    return results


def _send_plain(requests):
    """PostgreSQL, plain sends: checked and rendered here, stored in one statement, then
    announced room by room in seq order; a send the statement did not store is answered
    with the reason (asked only for those)."""
    results, messages, now = [None] * len(requests), {}, timezone.now()
    for i, request in enumerate(requests):
        try:
            notifications.require_few_mentions(request["content"])
        except exceptions.ChatError as refusal:
            results[i] = refusal
            continue
        messages[i] = new_message(
            request["user"], request["room_id"], request["content"],
            request.get("client_msg_id"), request.get("reply_to"), now,
        )  # fmt: skip
    places = list(messages)  # the statement's ordinality counts from 1
    rows = _fetch_all(*sql.send_messages([messages[i] for i in places], now)) if places else []
    for place, pk, seq in rows:
        messages[places[place - 1]].pk, messages[places[place - 1]].seq = pk, seq
    stored = sorted((i for i in places if messages[i].pk), key=lambda i: messages[i].seq)
    for i in sorted(stored, key=lambda i: messages[i].room_id):  # each room's in seq order
        results[i] = announce(messages[i], requests[i]["user"])
    for i in places:
        if results[i] is None:
            results[i] = _result_or_refusal(_why_not, requests[i])
    return results


def _why_not(*, user, room_id, **request):
    raise_why_not_stored(user, room_id)


def _fetch_all(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _send_in_batch(*, user, room_id, content, client_msg_id=None, reply_to=None, **thread):
    placed = threads.placement(thread.get("thread_root_id"), thread.get("also_to_room"))
    return send_one(user, room_id, content, client_msg_id, reply_to, None, placed, in_batch=True)


def _result_or_refusal(send, request):
    try:
        return send(**request)
    except exceptions.ChatError as refusal:
        return refusal
