"""Publishes to the channel layer, only after commit (chat.fanout receives).

Services call room_event(), user_event() and membership_changed() inside their transactions.
Nothing is sent before the transaction commits and nothing at all if it rolls back. Inside the
consumer, the events of one service call are collected in an outbox and sent by the consumer's
event loop once the call returns (no thread waits on Redis); elsewhere (admin, management
commands, HTTP views) they are sent as soon as the transaction commits.

Delivery over the layer is best effort. Clients detect a lost message from its room's seq and
fetch it with room.messages, so the layer never has to be reliable. A publish that fails
(Redis down) is therefore logged and skipped, never raised: the write it announces is
committed, and its caller must hear that it succeeded. An error there would make a client
resend a message that is stored already, and a batch of calls (chat.batches) run again.
"""

import asyncio
import contextlib
import logging
import threading
import weakref

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import protocol, publisher

# Channel-layer message types; consumers have one handler per type. Never sent to clients.
EVENT = "chat.event"
MEMBERSHIP = "chat.membership"
EVICT = "chat.evict"
RECHECK = "chat.recheck"

logger = logging.getLogger(__name__)

_outboxes = threading.local()
_publishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, publisher.Publisher] = (
    weakref.WeakKeyDictionary()
)


def room_group(room_id):
    return f"room.{room_id}"


def user_group(user_id):
    return f"user.{user_id}"


def room_message(room_id, envelope, *, exclude_channel=None):
    """Return the layer message carrying ``envelope`` to a room's sockets.

    The JSON text is encoded once here rather than once per recipient. Every group message
    names its group: chat.fanout receives all of them on one channel per process.
    """
    message = {
        "type": EVENT,
        "group": room_group(room_id),
        "room_id": room_id,
        "text": protocol.encode(envelope),
    }
    if exclude_channel:
        message["exclude_channel"] = exclude_channel
    return message


def room_event(room_id, envelope, *, read_by=None):
    """Send ``envelope`` to every socket in the room, after commit.

    ``read_by`` marks a read receipt of that user: sockets of users who share no read
    receipts skip it (chat.consumers), their own excepted.
    """
    message = room_message(room_id, envelope)
    if read_by is not None:
        message["read_by"] = read_by
    _publish_on_commit(room_group(room_id), message)


def user_event(user_id, envelope, *, settings=None, block=None, profile=None):
    """Send ``envelope`` to every open socket of one user, after commit.

    ``settings`` (the user's chat settings, changed) are applied by each socket too, and so
    are ``block``, (user id, whether now blocked), and ``profile``, the user's profile
    fields (chat.screening).
    """
    group = user_group(user_id)
    message = {"type": EVENT, "group": group, "room_id": None, "text": protocol.encode(envelope)}
    if settings is not None:
        message["settings"] = settings
    if block is not None:
        message["block"] = list(block)
    if profile is not None:
        message["profile"] = profile
    _publish_on_commit(group, message)


def membership_changed(user_id, room_id, *, joined, envelope=None):
    """Make every open socket of ``user_id`` join or leave the room's group, after commit.

    Each socket updates its own groups when this arrives, on whichever process holds it, and
    then forwards ``envelope`` (if any) to its client.
    """
    group = user_group(user_id)
    message = {"type": MEMBERSHIP, "group": group, "room_id": room_id, "joined": joined}
    message["text"] = None if envelope is None else protocol.encode(envelope)
    _publish_on_commit(group, message)


def credentials_changed(user_id, *, session_key=None, access_token_id=None):
    """Make every open socket of the user check its credential again, after commit.

    With ``session_key`` (a browser session that logged out) or ``access_token_id`` (a
    personal access token revoked) the sockets opened with that session or token close
    without a check; the others are unaffected.
    """
    group = user_group(user_id)
    message = {
        "type": RECHECK,
        "group": group,
        "room_id": None,
        "session_key": session_key,
        "access_token_id": access_token_id,
    }
    _publish_on_commit(group, message)


def evict(channel_name):
    """Close one socket (the user opened more sessions than allowed), after commit."""
    _publish_on_commit(
        None,
        {"type": EVICT, "socket": channel_name},
        channel_name=process_channel(channel_name),
    )


def process_channel(socket_name):
    """Return the layer channel of the process that holds the socket ``socket_name``.

    chat.fanout names sockets ``<process channel>!<socket id>``; this reads the name back.

    The socket id follows the last "!": process channels may hold one themselves (the
    in-memory layer names them "<prefix>.inmemory!<id>").
    """
    return socket_name.rpartition("!")[0]


def _publish_on_commit(group, message, channel_name=None):
    transaction.on_commit(lambda: _publish(group, message, channel_name))


def _publish(group, message, channel_name):
    outbox = getattr(_outboxes, "current", None)
    if outbox is not None:
        outbox.append((group, message, channel_name))
    else:
        async_to_sync(_send_committed)(group, message, channel_name)


@contextlib.contextmanager
def collected():
    """Collect what a service publishes in this thread, for the caller to send with flush()."""
    outbox = []
    _outboxes.current = outbox
    try:
        yield outbox
    finally:
        _outboxes.current = None


async def send_now(group, message):
    """Send an ephemeral event that nothing stores (typing), from async code."""
    await _publisher().send([(group, message, None)])


async def flush(outbox):
    """Send collected events in the order they were committed; return once they are sent."""
    if outbox:
        await _publisher().send(outbox)


def _publisher():
    """This event loop's Publisher: a room's waiting events go out as one message."""
    loop = asyncio.get_running_loop()
    if (sender := _publishers.get(loop)) is None:
        sender = _publishers[loop] = publisher.Publisher(_send_committed, is_room_event)
    return sender


def is_room_event(message, channel_name):
    """Whether a layer message is a room's event, which chat.publisher may fold with others."""
    return channel_name is None and message["type"] == EVENT and message.get("room_id") is not None


async def _send_committed(group, message, channel_name):
    """Send the event of a committed write; log a failure, never raise it (see above)."""
    channel_layer = get_channel_layer()
    try:
        if channel_name is not None:
            await channel_layer.send(channel_name, message)
        else:
            await channel_layer.group_send(group, message)
    except Exception as exc:
        logger.error(
            "Could not publish %s to %s, clients catch up by seq: %r",
            message["type"],
            group or channel_name,
            exc,
        )
