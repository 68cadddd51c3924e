"""Hands channel-layer events to this process's sockets: one layer channel per process.

Channels' usual pattern gives every socket its own layer channel and group memberships. Each
group message is then queued, decoded and dispatched once per recipient socket, through a new
task and an asyncio.wait() each: about half a millisecond of CPU per delivered frame
(bench/README.md). Here each process owns one layer channel, joined to the groups its sockets
need (a room's group while any local socket is in the room, a user's group while any of the
user's sockets is here). An event crosses Redis and is decoded once per process, and its text,
encoded once by the sender, is handed to each local socket.

Sockets still have names (``<process channel>!<socket id>``, the form Channels uses for
process-local channels), so a message for one socket is a layer send to its process's channel.

This module and chat.broadcast are the only code that calls the channel layer: broadcast
publishes, fanout receives.

Joining a group returns once the process gets the group's events (``add``). The Redis pub/sub
layer only sends SUBSCRIBE: a message another dyno publishes next may reach Redis first, from
a dyno nearer to Redis than this one, and be lost. The consumer subscribes, then reads the
positions its hello promises are followed live, so the process confirms new subscriptions by
publishing a probe to a group and waiting for it to come back. Redis runs a connection's
commands in order, and the layer subscribes on one connection: the probe's return confirms
every SUBSCRIBE sent before that group's, so one probe serves a whole connect storm.
"""

import asyncio
import contextlib
import logging
import secrets
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from . import broadcast, publisher

logger = logging.getLogger(__name__)

# The layer message that confirms subscriptions; processes pass it to no socket.
PROBE = "fanout.probe"
# Seconds before another probe goes out if none came back (one reached Redis before its
# SUBSCRIBE did, or the machine is slow), doubled each time.
PROBE_INTERVAL = 0.05

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, "Fanout"] = (
    weakref.WeakKeyDictionary()
)


async def for_this_process():
    """Return the running event loop's Fanout, starting it on first use."""
    loop = asyncio.get_running_loop()
    fanout = _by_loop.get(loop)
    layer = get_channel_layer()
    if fanout is None or fanout.layer is not layer or fanout.stopped():
        fanout = Fanout(layer)
        _by_loop[loop] = fanout
        await fanout.start()
    return fanout


class Fanout:
    """One process's layer channel, and which local sockets want each group's events.

    A socket is any object with a ``deliver(message)`` method that returns at once (the chat
    consumer queues the message and writes it from its own task, so one slow client never
    holds up the others).
    """

    def __init__(self, layer):
        self.layer = layer
        self.channel_name = None
        self.groups = {}  # group name -> set of local sockets
        self.sockets = weakref.WeakValueDictionary()  # socket name -> socket
        self.confirmed = set()  # groups whose events are known to reach this process
        self.unconfirmed = {}  # group -> future its joining sockets wait on, in SUBSCRIBE order
        self.probes = {}  # probe token -> the (group, future) pairs its return confirms
        self.confirming = None  # the task sending probes
        self.task = None

    async def start(self):
        self.channel_name = await self.layer.new_channel("fanout.")
        self.task = asyncio.get_running_loop().create_task(self.receive_forever())

    def stopped(self):
        return self.task is None or self.task.done()

    def name_socket(self, socket):
        """Give ``socket`` a name that routes layer sends to it; return the name."""
        name = f"{self.channel_name}!{secrets.token_hex(8)}"
        self.sockets[name] = socket
        return name

    async def add(self, group, socket):
        """Add ``socket`` to ``group``; return once the group's next events reach it."""
        self.groups.setdefault(group, set()).add(socket)
        # Idempotent: the layer subscribes this process to the group once.
        await self.layer.group_add(group, self.channel_name)
        if group in self.confirmed:
            return
        # Registered right after its SUBSCRIBE was sent: in the order Redis runs them.
        if (waiter := self.unconfirmed.get(group)) is None:
            waiter = self.unconfirmed[group] = asyncio.get_running_loop().create_future()
        if self.confirming is None or self.confirming.done():
            self.confirming = asyncio.get_running_loop().create_task(self.confirm())
        # Shielded: other sockets wait on the same confirmation.
        await asyncio.shield(waiter)

    async def confirm(self):
        """Probe until every subscription is confirmed, giving up on those still unconfirmed
        after CHAT["SUBSCRIBE_TIMEOUT"] seconds without a probe coming back."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.CHAT["SUBSCRIBE_TIMEOUT"]
        interval = PROBE_INTERVAL
        try:
            while pending := [g for g in self.unconfirmed if g in self.groups]:
                if loop.time() >= deadline:
                    # Their sockets go on; their clients find what they miss by seq.
                    logger.warning("Could not confirm the subscriptions to %s", pending)
                    break
                waiter = self.unconfirmed[pending[-1]]
                await self.probe(pending[-1])
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(interval, deadline - loop.time())):
                        await asyncio.shield(waiter)
                if waiter.done():
                    deadline = loop.time() + settings.CHAT["SUBSCRIBE_TIMEOUT"]
                interval = PROBE_INTERVAL if waiter.done() else interval * 2
        except Exception:
            logger.warning("Could not confirm subscriptions", exc_info=True)
        finally:
            self.probes.clear()
            self.settle(list(self.unconfirmed.items()), confirmed=False)

    async def probe(self, group):
        """Publish a probe to ``group`` whose return confirms every subscription so far."""
        token = secrets.token_hex(8)
        self.probes[token] = list(self.unconfirmed.items())
        await broadcast.send_now(
            group, {"type": PROBE, "group": group, "room_id": None, "token": token}
        )

    def settle(self, waiters, *, confirmed):
        """Release the sockets waiting on ``waiters`` ((group, future) pairs still current)."""
        for group, waiter in waiters:
            if self.unconfirmed.get(group) is waiter:
                del self.unconfirmed[group]
                waiter.set_result(None)
                if confirmed and group in self.groups:
                    self.confirmed.add(group)

    async def discard(self, group, socket):
        sockets = self.groups.get(group)
        if sockets is None or socket not in sockets:
            return
        sockets.discard(socket)
        if not sockets:
            # Forgotten here before the await, so a socket joining meanwhile subscribes again.
            del self.groups[group]
            # A probe sent before a new SUBSCRIBE must not confirm it: start over.
            self.confirmed.discard(group)
            if group in self.unconfirmed:
                self.settle([(group, self.unconfirmed[group])], confirmed=False)
            try:
                await self.layer.group_discard(group, self.channel_name)
            except Exception:
                # Redis is down. The socket must still close and its session end; the process
                # stays subscribed to a group whose events now find no socket here.
                logger.warning("Could not leave %s", group, exc_info=True)

    async def receive_forever(self):
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The pub/sub and in-memory layers receive from a local queue and do not fail
                # here; another layer might, while its server restarts.
                logger.exception("Could not receive from the channel layer")
                await asyncio.sleep(1)
                continue
            self.dispatch(message)

    def dispatch(self, message):
        if message.get("type") == PROBE:
            self.settle(self.probes.pop(message.get("token"), []), confirmed=True)
            return
        if message.get("type") == publisher.BATCH:
            for event in message["events"]:
                self.dispatch(event)
            return
        target = message.get("socket")
        if target is not None:
            recipients = [self.sockets[target]] if target in self.sockets else []
        else:
            recipients = list(self.groups.get(message.get("group"), ()))
        for socket in recipients:
            try:
                socket.deliver(message)
            except Exception:
                logger.exception("Could not deliver a %s event", message.get("type"))
