"""The chat's one WebSocket per client: transport only.

A small ASGI application, routed by Channels' URLRouter behind its auth middleware. It
authenticates, parses frames with chat.protocol, calls the handler chat.handlers routes each
event to, replies, keeps the socket's groups in chat.fanout in step with the user's
memberships, and hands everything it sends to one chat.delivery.Delivery. It holds no
permission rule, builds no payload and publishes nothing itself.

It is not a Channels consumer class: those read the socket and the channel layer through
await_many_dispatch(), a new task and an asyncio.wait() per frame with one pending per idle
socket, and close database connections on their sync thread before every message. This
socket reads only the socket; layer events reach it through chat.fanout, one layer channel
per process.
"""

import asyncio
import contextlib
import enum
import logging
import time

from django.conf import settings

from . import (
    auth,
    batches,
    broadcast,
    delivery,
    exceptions,
    fanout,
    handlers,
    presence,
    protocol,
    ratelimit,
    revalidation,
    screening,
    selectors,
    services,
    socket_rooms,
    sync,
)

logger = logging.getLogger(__name__)


class State(enum.Enum):
    CONNECTING = "connecting"  # Accepted; the session is not recorded yet.
    OPENING = "opening"  # The session is recorded; the hello is not sent yet.
    OPEN = "open"  # The hello is sent: replies and events flow.
    CLOSED = "closed"  # The session is closed: nothing more is sent or handled.


class ChatConsumer:
    """One client's socket, from its connect to its close."""

    @classmethod
    def as_asgi(cls):
        async def app(scope, receive, send):
            await cls(scope, send).serve(receive)

        return app

    def __init__(self, scope, send):
        self.scope = scope
        # Known once the session is recorded: the connect reads the user with its other rows.
        self.user = None
        self.base_send = send
        self.state = State.CONNECTING
        self.room_ids = set()
        # Users whose typing this socket does not show: its user blocks them (chat.screening).
        self.blocked_ids = set()
        self.fanout = None
        self.channel_name = None
        self.credential = None
        self.dropping = None
        # Held while the groups are set from a database read, so a membership event that
        # arrives meanwhile is applied after it, not overwritten by the older read.
        self.groups_lock = asyncio.Lock()
        self.last_touch = self.last_heartbeat = time.monotonic()
        self.delivery = delivery.Delivery(
            self.process, on_stalled=self.stalled, timeout=settings.CHAT["SLOW_CLIENT_TIMEOUT"]
        )

    async def serve(self, receive):
        """Handle the ASGI messages of the connection until the session is closed."""
        while self.state is not State.CLOSED:
            message = await receive()
            match message["type"]:
                case "websocket.connect":
                    await self.connect()
                case "websocket.receive":
                    await self.receive(message.get("text"))
                case "websocket.disconnect":
                    await self.close_session()

    # --- Lifecycle ------------------------------------------------------------------------------

    async def connect(self):
        # Accept before refusing, so the client sees the 4001 code rather than an HTTP 403.
        await self.base_send({"type": "websocket.accept"})
        self.credential = auth.credential_of(self.scope)
        if self.credential is None:
            await self.end(protocol.CLOSE_UNAUTHENTICATED)
            return
        try:
            opened = await self.open_session()
        except Exception:
            await self.close_session()  # Leave the groups joined so far.
            raise
        if not opened:
            await self.end(protocol.CLOSE_UNAUTHENTICATED)

    async def open_session(self):
        """Join the user's group, record the session, join its rooms and send the hello.

        Both database calls join the process's other connects of the moment (chat.batches).
        Returns False if the credential no longer holds (nothing was recorded).
        """
        self.limiter = ratelimit.for_this_process()
        self.fanout = await fanout.for_this_process()
        self.channel_name = self.fanout.name_socket(self)
        # Subscribe first, then read: a message committed in between is then delivered, and
        # the positions read afterwards already count it.
        await self.fanout.add(broadcast.user_group(self.credential.user_id), self)
        opened = await batches.call(
            services.sessions_open,
            credential=self.credential,
            channel_name=self.channel_name,
            user_agent=auth.header(self.scope, b"user-agent") or "",
        )
        if opened is None:
            return False
        self.user = opened["user"]
        self.blocked_ids = opened["blocked_ids"]
        self.state = State.OPENING
        await socket_rooms.sync(self, opened["room_ids"])
        hello = await batches.call(
            selectors.session_hellos, user=self.user, session_id=opened["session_id"]
        )
        self.state = State.OPEN
        revalidation.watch(self)  # Closed by the server if it idles or its credential goes.
        self.delivery.open(protocol.encode(protocol.event(protocol.SESSION_HELLO, hello)))
        return True

    async def close_session(self):
        """Leave every group and delete the session row; safe to call twice."""
        if self.state is State.CLOSED:
            return
        recorded = self.state in (State.OPENING, State.OPEN)
        self.state = State.CLOSED
        revalidation.unwatch(self)
        self.delivery.stop()
        if self.fanout is not None:
            await socket_rooms.leave_all(self)
        if not recorded:
            return
        try:
            closed = await batches.call(
                services.sessions_close, user=self.user, channel_name=self.channel_name
            )
            if closed["last"]:
                presence.settle_later(self.user)
        except Exception:
            # cleanup_chat_sessions removes the row later; the socket is gone either way.
            logger.exception("Could not close chat session %s", self.channel_name)

    async def end(self, code):
        """Close the session and the socket with ``code``; nothing more is sent or handled."""
        await self.close_session()
        await self.close(code)

    async def close(self, code):
        with contextlib.suppress(OSError):
            await self.base_send({"type": "websocket.close", "code": code})

    def stalled(self):
        """The client stopped reading (chat.delivery): end its session, ask Uvicorn to close.

        The close frame waits behind the full buffer too: an ASGI app cannot abort a
        connection, so one whose client never reads again lingers until the peer goes,
        holding what is already buffered and nothing more.
        """
        logger.warning("Dropping a socket of user %s that stopped reading", self.user.pk)
        self.dropping = asyncio.get_running_loop().create_task(self.end(1000))

    # --- Client frames --------------------------------------------------------------------------

    async def receive(self, text):
        envelope = await self.answer(text)
        if envelope is not None:
            self.delivery.push(protocol.encode(envelope))
        await self.note_activity()

    async def answer(self, text):
        """Return the reply, or the error envelope, for one client frame (None: closed)."""
        request_id = event_type = None
        try:
            if text is None:
                raise exceptions.BinaryFrameError()
            # Every frame costs a token of the user's limits, malformed ones too; decoding
            # first (bounded by the frame size cap) lets the refusal echo the request_id.
            frame = handlers.decoder().read(text, settings.CHAT["MAX_FRAME_BYTES"])
            request_id = frame.request_id
            if not await self.limiter.allow(self.user.pk, frame.event_type):
                raise exceptions.RateLimitedError()
            request = frame.parsed()
            event_type = request.event_type
            return protocol.reply(request, await self.handle(request))
        except exceptions.ChatError as exc:
            return protocol.error(exc, request_id)
        except exceptions.CloseSocket as close:
            await self.end(close.code)
            return None
        except Exception:
            logger.exception("Chat event %s from user %s failed", event_type, self.user.pk)
            return protocol.error(exceptions.ServerError(), request_id)

    async def handle(self, request):
        """Call the request's route with its data and the socket facts it asks for."""
        route = handlers.ROUTES[request.event_type]
        kwargs = {fact: getattr(self, fact) for fact in route.facts} | request.data
        if not route.syncs_groups:
            return await self.call(route, kwargs)
        self.last_heartbeat = time.monotonic()  # The heartbeat keeps it open (chat.revalidation).
        async with self.groups_lock:
            result = await self.call(route, kwargs)
            self.last_touch = time.monotonic()
            await socket_rooms.sync(self, {room["id"] for room in result["rooms"]})
        return result

    async def call(self, route, kwargs):
        if route.on_loop:
            return await route.handler(**kwargs)
        if route.batch is not None:
            return await batches.call(route.batch, **kwargs)
        return await sync.call(route.handler, **kwargs)

    async def note_activity(self):
        """Write last_seen at most every LAST_SEEN_WRITE_INTERVAL seconds, not per frame."""
        now = time.monotonic()
        if now - self.last_touch >= settings.CHAT["LAST_SEEN_WRITE_INTERVAL"]:
            self.last_touch = now
            try:
                await batches.call(services.sessions_touch, channel_name=self.channel_name)
            except Exception:
                # A missed write only delays last_seen by one interval.
                logger.warning("Could not record activity of %s", self.channel_name, exc_info=True)

    # --- Channel-layer events, from chat.fanout -------------------------------------------------

    def deliver(self, message):
        """Queue a layer event for this socket; returns at once."""
        self.delivery.push(message)

    async def process(self, item):
        """Send a reply (text), or apply and forward a layer event (dict), for chat.delivery."""
        if isinstance(item, str):
            await self.send(item)
            return
        match item["type"]:
            case broadcast.EVENT:
                await self.forward_event(item)
            case broadcast.MEMBERSHIP:
                await self.apply_membership(item)
            case broadcast.EVICT:
                await self.close(protocol.CLOSE_SESSION_REPLACED)
            case broadcast.RECHECK:
                await self.recheck(item)

    async def send(self, text):
        await self.base_send({"type": "websocket.send", "text": text})

    async def forward_event(self, message):
        if screening.passes(self, message):
            screening.apply(self, message)
            await self.send(message["text"])

    async def apply_membership(self, message):
        room_id = message["room_id"]
        async with self.groups_lock:
            if message["joined"]:
                await socket_rooms.join(self, room_id)
            else:
                await socket_rooms.leave(self, room_id)
        if message["text"] is not None:
            await self.send(message["text"])

    async def recheck(self, message):
        """The user's credentials changed: close if this socket's no longer holds."""
        revoked = await sync.call(
            auth.credential_revoked,
            credential=self.credential,
            session_key=message["session_key"],
            # Absent from the events of a process of the previous release.
            access_token_id=message.get("access_token_id"),
        )
        if revoked:
            await self.end(protocol.CLOSE_REVOKED)
