"""Messages: sending, editing and deleting (reactions: chat.services.reactions; read positions:
chat.services.receipts).

Each message has its room's next seq, allocated under the room row's lock, so seqs are
gap-free and clients detect a lost delivery by the gap. Every change to a message (edit,
delete, reaction) takes the room's next rev, so clients catch up on changes the same way.
"""

import contextlib

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .. import (
    broadcast,
    exceptions,
    formatting,
    notifications,
    payloads,
    permissions,
    protocol,
    selectors,
    sql,
)
from ..models import Membership, Message, Room
from . import attachments as attachments_service
from . import threads


def message_send(
    *,
    user,
    room_id,
    content,
    client_msg_id=None,
    reply_to=None,
    attachments=None,
    thread_root_id=None,
    also_to_room=None,
):
    """Store a message with the room's next seq and send message.new to every member.

    Idempotent by client_msg_id: a resend returns the stored message and sends nothing.
    ``attachments`` names the sender's uploads to the room; a message without any costs
    exactly the one statement it always did (a thread reply, chat.services.threads, then
    updates who follows its thread, after that statement committed).
    """
    thread = threads.placement(thread_root_id, also_to_room)
    if attachments:
        with transaction.atomic():
            return send_one(user, room_id, content, client_msg_id, reply_to, attachments, thread)
    return send_one(user, room_id, content, client_msg_id, reply_to, None, thread)


def send_one(
    user, room_id, content, msg_id, reply_to, file_ids, thread=None, forwarded=None, in_batch=False
):
    """Store one message and announce it: message_send's work, and a forwarded copy's and a
    batched send's (chat.services.forwarding, chat.services.message_batches)."""
    notifications.require_few_mentions(content)
    placed = {"thread": thread, "forwarded": forwarded, "in_batch": in_batch}
    try:
        message = _store(user, room_id, content, msg_id, reply_to, **placed)
    except IntegrityError:
        if in_batch:
            raise  # The batch's transaction is broken: it runs again one send at a time.
        # The client_msg_id was stored before (a retry, or two sends racing). The unique index
        # caught it and the rollback gave the seq back; the stored message is the answer.
        stored = msg_id is not None and _stored_id(user, room_id, msg_id)
        if not stored:
            raise
        return selectors.message_data(stored)
    if message is None:
        raise_why_not_stored(user, room_id, thread)
    files = ()
    if file_ids:
        files = attachments_service.attach(user=user, message=message, attachment_ids=file_ids)
    elif forwarded is not None:
        files = attachments_service.forward_copies(original=forwarded, message=message)
    return announce(message, user, files=files, thread=thread)


def announce(message, user, *, files=(), thread=None):
    """Send a just-stored message to its room (after the commit) and notify whom it
    concerns; return its message.send answer."""
    parent = None
    if message.reply_to_id is not None:
        parent = Message.objects.select_related("sender").filter(pk=message.reply_to_id).first()
    # A new message has no reactions: its payload is built here, saving the loading query.
    data = {"message": payloads.message_payload(message, reply_to=parent, attachments=files)}
    broadcast.room_event(message.room_id, protocol.event(protocol.MESSAGE_NEW, data))
    followers = threads.reply_stored(message) if thread else ()
    notifications.message_stored(
        message, sender=user, parent=parent, payload=data["message"], followers=followers
    )
    return data


def _stored_id(user, room_id, client_msg_id):
    messages = Message.objects.filter(room_id=room_id, sender=user, client_msg_id=client_msg_id)
    return messages.values_list("pk", flat=True).first()


def _store(user, room_id, content, client_msg_id, reply_to, *, thread, forwarded, in_batch):
    """Store a message with the room's next seq, as read by its sender; return it.

    Returns None, storing nothing, if ``user`` may not post in the room, or ``reply_to`` or
    the thread's root is not a message of that room (nothing reaches into another room).

    The chat's hottest write. On PostgreSQL it is one statement (chat.sql.send_message), which
    costs a seventh of the client CPU and half the database CPU of the same work through the
    ORM (bench/README.md). Other databases run the same rules as three statements in a
    transaction, and so do forwarded copies everywhere (the statement has no place for their
    origin, which keeps it exactly as cheap for every other message).

    ``in_batch``: inside messages_send's transaction (chat.services.message_batches), where
    a failed statement fails the whole batch anyway, so no savepoint is paid for.
    """
    now = timezone.now()
    message = new_message(user, room_id, content, client_msg_id, reply_to, now)
    message.forwarded_from = forwarded
    if thread:
        message.thread_root_id, message.also_to_room = thread.root_id, thread.also_to_room
    if connection.vendor == "postgresql" and forwarded is None:
        return _insert_in_one_statement(message, now, in_batch)
    return _insert_in_transaction(message, now, in_batch)


def new_message(user, room_id, content, client_msg_id, reply_to, now):
    """The Message a send stores, its HTML rendered (chat.formatting), not yet saved."""
    return Message(
        room_id=room_id,
        sender=user,
        content=content,
        content_html=formatting.render_for_room(content, room_id, user),
        reply_to_id=reply_to,
        client_msg_id=client_msg_id,
        created_at=now,
    )


def _insert_in_one_statement(message, now, in_batch):
    """PostgreSQL: seq, row and the sender's read position in chat.sql.send_message."""
    # A statement is its own transaction; inside a caller's transaction a savepoint keeps a
    # failed one (a repeated client_msg_id) from breaking it.
    savepoint = connection.in_atomic_block and not in_batch
    with transaction.atomic() if savepoint else contextlib.nullcontext():
        row = sql.fetch_one(*sql.send_message(message, now))
    if row is None:
        return None
    message.pk, message.seq = row
    return message


def _insert_in_transaction(message, now, in_batch):
    """Other databases, and forwarded copies: the same rules as three statements."""
    with transaction.atomic(savepoint=not in_batch):
        row = sql.fetch_one(*sql.take_seq(message, now))
        if row is None:
            return None
        message.seq = row[1]
        message.save(force_insert=True)
        if message.thread_root_id is not None:
            threads.summary_update(message, rev=row[2])
        Membership.objects.filter(room_id=message.room_id, user=message.sender).update(
            last_read_seq=message.seq
        )
    return message


def raise_why_not_stored(user, room_id, thread=None):
    membership = selectors.membership_for(user, room_id)
    if (reason := permissions.why_not_post(membership)) is not None:
        raise exceptions.ForbiddenError(reason)
    if thread is not None:
        threads.why_not_reply(room_id, thread.root_id)
    # Allowed to post, so the message replied to was not in this room.
    raise exceptions.MessageNotFoundError("The message replied to is not in this room.")


def _changed(message, event_type):
    """Give a changed message the room's next rev and tell the room."""
    message.rev = sql.fetch_one(*sql.bump_counter(message.room_id, "last_rev", timezone.now()))[0]
    message.save(update_fields=["rev", "content", "content_html", "edited_at", "deleted_at"])
    data = selectors.message_data(message.pk)
    broadcast.room_event(message.room_id, protocol.event(event_type, data))
    return data


@transaction.atomic
def message_edit(*, user, message_id, content):
    """Change a message's content (its sender, while they may post in the room)."""
    message, membership = selectors.message_for_member(user, message_id, lock_room=True)
    if (reason := permissions.why_not_edit(message, membership)) is not None:
        raise exceptions.ForbiddenError(reason)
    if message.deleted_at is not None:
        raise exceptions.MessageNotFoundError("The message was deleted.")
    if message.content == content:
        return selectors.message_data(message.pk)
    message.content = content
    message.content_html = formatting.render_for_room(content, message.room_id, user)
    message.edited_at = timezone.now()
    return _changed(message, protocol.MESSAGE_EDITED)


@transaction.atomic
def message_delete(*, user, message_id):
    """Delete a message (its sender or a room admin); it keeps its seq, shows no content.

    With CHAT["HARD_DELETE"] the content is erased from the database too; otherwise it is kept
    for moderation but never sent to clients again.
    """
    message, membership = selectors.message_for_member(user, message_id, lock_room=True)
    if not permissions.may_delete_message(message, membership):
        raise exceptions.ForbiddenError("Only the sender or a room admin can delete a message.")
    return _delete(message)


@transaction.atomic
def message_remove(*, message_id):
    """Delete a message on a site moderator's word (the Django admin), as its admins would."""
    room_id = Message.objects.values_list("room_id", flat=True).get(pk=message_id)
    # The room's lock first, as the members' own deletes take it, then the fresh row.
    Room.objects.select_for_update().filter(pk=room_id).first()
    return _delete(Message.objects.get(pk=message_id))


def _delete(message):
    if message.deleted_at is not None:
        return selectors.message_data(message.pk)
    message.deleted_at = timezone.now()
    if settings.CHAT["HARD_DELETE"]:
        message.content = message.content_html = ""
    message.reactions.all().delete()
    # Their files go after commit (chat.signals); a deleted message shows none.
    message.attachments.all().delete()
    return _changed(message, protocol.MESSAGE_DELETED)
