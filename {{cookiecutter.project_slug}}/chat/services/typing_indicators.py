"""Typing indicators: ephemeral, never stored, so sent straight from the event loop.

The one service that is a coroutine: it touches no database, and a thread hop per keystroke
burst would cost more than the event itself.
"""

from .. import broadcast, exceptions, payloads, protocol


async def typing_send(*, user, channel_name, room_ids, room_id, is_typing=True):
    """Tell a room's other sockets that ``user`` is (or stopped) typing.

    ``room_ids`` are the rooms the socket is in (kept in step with the user's memberships),
    so no query is needed to know the user may speak there.
    """
    if room_id not in room_ids:
        raise exceptions.RoomNotFoundError()
    data = {"room_id": room_id, "user": payloads.user_payload(user), "is_typing": is_typing}
    envelope = protocol.event(protocol.ROOM_TYPING, data)
    message = broadcast.room_message(room_id, envelope, exclude_channel=channel_name)
    # Sockets of users who block the typist skip it (chat.screening).
    message["typist"] = user.pk
    await broadcast.send_now(broadcast.room_group(room_id), message)
    return data
