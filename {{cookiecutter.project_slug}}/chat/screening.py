"""Which layer events a socket passes on to its client, and what they change on the socket.

A room's events reach every socket in its group, on every process, encoded once: the few
that are not for every member are screened here, by the receiving socket, with what it
already holds (its rooms, its user's settings, whom its user blocks). Nothing here queries.
"""


def passes(socket, message):
    """Whether ``socket`` (a chat.consumers.ChatConsumer) sends the event to its client."""
    room_id = message["room_id"]
    if room_id is not None and room_id not in socket.room_ids:
        return False
    if message.get("exclude_channel") == socket.channel_name:
        return False
    read_by = message.get("read_by")
    if read_by is not None and read_by != socket.user.pk and not socket.user.read_receipts:
        return False  # receipts are shared both ways or not at all (chat.services.receipts)
    # A blocked user's typing is not shown to whoever blocks them (chat.services.moderation).
    return message.get("typist") not in socket.blocked_ids


def apply(socket, message):
    """Apply what a user event changes on the socket: the user's settings, their blocks, their
    profile (which the socket's own events, typing, carry)."""
    if (settings := message.get("settings")) is not None:
        socket.user.read_receipts = settings["read_receipts"]
        socket.user.email_digests = settings["email_digests"]
        socket.user.push_notifications = settings["push_notifications"]
    for name, value in message.get("profile", {}).items():
        setattr(socket.user, name, value)
    if (block := message.get("block")) is not None:
        user_id, blocked = block
        if blocked:
            socket.blocked_ids.add(user_id)
        else:
            socket.blocked_ids.discard(user_id)
