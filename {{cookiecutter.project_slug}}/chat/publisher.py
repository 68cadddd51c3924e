"""One process's sends to the channel layer: one at a time, in order, folded (chat.broadcast).

The Redis layer publishes on one connection (its shard holds a lock around each PUBLISH), so
sends wait their turn anyway: one Publisher per event loop sends a process's events in the
order they were queued, and each caller waits until its own are sent. (Waiting is also what
lets a batch of sends grow under load, chat.batches: answering before the publish made the
batches smaller and cost PostgreSQL more per message, bench/README.md.)

What waits is sent together: a group's foldable events (room events) queued behind one round
trip travel as one layer message (BATCH), which Redis relays and each process decodes once,
and chat.fanout unfolds. Under light load nothing waits and every event goes alone; under
heavy load a busy room's events cost one publish per round trip instead of one each.
"""

import asyncio

# Several events of one group in one layer message; chat.fanout unfolds it.
BATCH = "chat.batch"
# Bounds on one BATCH: events, and characters of their text.
BATCH_EVENTS = 100
BATCH_CHARS = 256 * 1024


class Publisher:
    """Sends queued (group, message, channel name) items with ``send``, folding those for
    which ``foldable(message, channel_name)`` holds (see fold)."""

    def __init__(self, send, foldable):
        self.send_one = send
        self.foldable = foldable
        self.waiting = []  # items, in the order committed
        self.senders = []  # futures of the callers whose items are waiting
        self.task = None

    async def send(self, items):
        """Queue ``items``; return once they are sent (or their sending failed)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.waiting.extend(items)
        self.senders.append(done)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._send_waiting())
        # Shielded: a caller that goes away (its socket closed) leaves its items to be sent.
        await asyncio.shield(done)

    async def _send_waiting(self):
        while self.waiting:
            items, self.waiting = self.waiting, []
            senders, self.senders = self.senders, []
            try:
                for group, message, channel_name in fold(items, self.foldable):
                    await self.send_one(group, message, channel_name)
            finally:
                # Cancelled (the server stopping), no caller is left waiting for ever.
                for done in senders:
                    if not done.done():
                        done.set_result(None)


def fold(items, foldable):
    """Return ``items`` with the foldable messages of each group folded into BATCH messages.

    Only the order that matters is kept: a group's messages stay in order, and nothing moves
    past one that is not foldable (a membership change, a user's event, a send to one
    socket), which may concern what follows it. Foldable messages of different groups may
    swap: they are room events, and each room's seqs order its own events only. A BATCH
    holds at most BATCH_EVENTS messages and BATCH_CHARS characters of their text, so one
    Redis message stays small.
    """
    sent, filling = [], {}  # filling: group -> index in sent of its message still open
    for group, message, channel_name in items:
        if not foldable(message, channel_name):
            filling.clear()
            sent.append((group, message, channel_name))
            continue
        index = filling.get(group)
        if index is None or not _has_room(sent[index][1], message):
            filling[group] = len(sent)
            sent.append((group, message, None))
            continue
        first = sent[index][1]
        if first["type"] != BATCH:
            room_id = message["room_id"]
            first = {"type": BATCH, "group": group, "room_id": room_id, "events": [first]}
            sent[index] = (group, first, None)
        first["events"].append(message)
    return sent


def _has_room(message, joining):
    events = message["events"] if message["type"] == BATCH else [message]
    chars = sum(len(event["text"]) for event in events) + len(joining["text"])
    return len(events) < BATCH_EVENTS and chars <= BATCH_CHARS
