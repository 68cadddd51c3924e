"""Which rooms' fan-out groups one socket is in, kept in step with its user's memberships.

The socket's ``room_ids`` is the set of rooms it forwards events from (chat.screening reads
it). A room is forgotten before its group is left, so nothing from it is forwarded once the
user has left it; callers hold the socket's ``groups_lock`` so a membership event and a room
list read from the database apply in the order they happened.
"""

import asyncio

from . import broadcast


async def join(socket, room_id):
    socket.room_ids.add(room_id)
    await socket.fanout.add(broadcast.room_group(room_id), socket)


async def leave(socket, room_id):
    socket.room_ids.discard(room_id)
    await socket.fanout.discard(broadcast.room_group(room_id), socket)


async def sync(socket, room_ids):
    """Join the rooms in ``room_ids`` the socket is not in, and leave the others."""
    # Together: a process's first socket in a room waits for Redis to confirm the new
    # subscription (chat.fanout), one round trip for all its rooms rather than one each.
    # Every join ends before the first failure is raised: nothing joins after the caller
    # has left the rooms (a connect that fails leaves every group it joined).
    joined = await asyncio.gather(
        *(join(socket, room_id) for room_id in room_ids - socket.room_ids), return_exceptions=True
    )
    for result in joined:
        if isinstance(result, BaseException):
            raise result
    for room_id in socket.room_ids - room_ids:
        await leave(socket, room_id)


async def leave_all(socket):
    """Leave every room's group and the user's own; for a socket that is closing."""
    for room_id in sorted(socket.room_ids):
        await socket.fanout.discard(broadcast.room_group(room_id), socket)
    await socket.fanout.discard(broadcast.user_group(socket.credential.user_id), socket)
