"""The chat's one WebSocket per client: transport only.

The consumer authenticates, parses frames with chat.protocol, runs the matching service or
selector on a database thread (chat.sync), replies, and keeps its groups in chat.fanout in step
with the user's memberships. It writes no queries and holds no business rules.

Two tasks write to a socket: the consumer's own, which answers client frames, and a writer
that sends the events chat.fanout hands over, in order. The writer is started eagerly, so when
the socket has room the frames are written before deliver() returns, with no task switch and
no timer; only a writer that has to wait is watched for a client that stopped reading.
"""

import asyncio
import collections
import contextlib
import functools
import logging
import time

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from . import (
    auth,
    broadcast,
    exceptions,
    fanout,
    payloads,
    presence,
    protocol,
    ratelimit,
    selectors,
    services,
    sync,
)

logger = logging.getLogger(__name__)

# Client events answered by a service or selector called with the user and the event's data.
DOMAIN_HANDLERS = {
    protocol.MESSAGE_SEND: services.message_send,
    protocol.MESSAGE_EDIT: services.message_edit,
    protocol.MESSAGE_DELETE: services.message_delete,
    protocol.MESSAGE_REACT: services.message_react,
    protocol.MESSAGE_READ: services.message_read,
    protocol.ROOM_CREATE: services.room_create,
    protocol.ROOM_LIST: selectors.room_list,
    protocol.ROOM_DISCOVER: selectors.public_channels,
    protocol.ROOM_INFO: selectors.room_info,
    protocol.ROOM_MESSAGES: selectors.room_messages,
    protocol.ROOM_JOIN: services.room_join,
    protocol.ROOM_LEAVE: services.room_leave,
    protocol.ROOM_ADD_MEMBERS: services.room_add_members,
    protocol.ROOM_REMOVE_MEMBERS: services.room_remove_members,
    protocol.ROOM_UPDATE: services.room_update,
    protocol.ROOM_DELETE: services.room_delete,
    protocol.ROOM_MUTE: services.room_mute,
    protocol.PRESENCE: selectors.presence,
}


@functools.cache
def event_schemas():
    return protocol.schemas(settings.CHAT)


class SlowClientError(Exception):
    """The client stopped reading; its session is closed and the socket must go."""


class ChatConsumer(AsyncWebsocketConsumer):
    # No layer channel per socket: layer events arrive through chat.fanout.
    channel_layer_alias = None

    async def __call__(self, scope, receive, send):
        # The socket is this consumer's only source of messages, so a plain loop replaces
        # Channels' await_many_dispatch(), which wraps every frame in a new task and an
        # asyncio.wait() and keeps one pending per idle socket.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        # Channels closes stale database connections on its single sync thread before every
        # message, a thread hop per delivered chat event. This consumer never touches the
        # database on that thread (chat.sync releases its own connections), so skip it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Connection lifecycle -----------------------------------------------------------------

    async def connect(self):
        self.user = self.scope["user"]
        self.room_ids = set()
        self.fanout = None
        self.opened = False
        self.closing = False
        # Layer events wait here until the hello is sent, then the writer sends them in order.
        # None while empty: most sockets are idle most of the time.
        self.inbox = None
        self.writer = None
        self.frames_forwarded = 0
        self.ready = False
        # Held while the groups are set from a database read, so a membership event that
        # arrives meanwhile is applied after it, not overwritten by the older read.
        self.groups_lock = asyncio.Lock()
        # Accept before refusing, so the client sees the 4001 code rather than an HTTP 403.
        await self.accept()
        if not self.user.is_authenticated:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        try:
            await self.open_session()
        except Exception:
            # Channels sends no disconnect for a failed connect: leave the groups here.
            await self.close_session()
            raise

    async def open_session(self):
        """Join the user's group, record the session, join its rooms and send the hello."""
        limits = settings.CHAT
        self.credential = auth.credential_of(self.scope)
        self.limiter = ratelimit.for_this_process()
        self.last_touch = time.monotonic()
        self.fanout = await fanout.for_this_process()
        self.channel_name = self.fanout.name_socket(self)
        # Subscribe first, then read: a message committed in between is then delivered, and
        # the positions read afterwards already count it.
        await self.fanout.add(broadcast.user_group(self.user.pk), self)
        opened = await self.run(
            services.session_open,
            user=self.user,
            channel_name=self.channel_name,
            user_agent=self.header("user-agent"),
        )
        self.opened = True
        await self.sync_groups(opened["room_ids"])
        positions = await self.run(selectors.room_positions_for_user, user_id=self.user.pk)
        hello = {
            "session_id": opened["session_id"],
            "user": payloads.user_payload(self.user),
            "server_time": timezone.now().isoformat(),
            "heartbeat_interval": limits["HEARTBEAT_INTERVAL"],
            "limits": {
                "max_frame_bytes": limits["MAX_FRAME_BYTES"],
                "max_content_chars": limits["MAX_CONTENT_CHARS"],
                "page_max": limits["PAGE_MAX"],
                "rate_per_second": limits["RATE_LIMIT_PER_SECOND"],
                "rate_burst": limits["RATE_LIMIT_BURST"],
            },
            "rooms": positions,
        }
        await self.send_envelope(protocol.event(protocol.SESSION_HELLO, hello))
        self.ready = True
        self.start_writer()

    async def disconnect(self, code):
        await self.close_session()

    async def close_session(self):
        """Leave every group and delete the session row; safe to call twice."""
        if getattr(self, "closing", True):
            return  # Closed already, or connect() never ran.
        self.closing = True
        self.inbox = None
        if self.fanout is not None:
            for room_id in sorted(self.room_ids):
                await self.fanout.discard(broadcast.room_group(room_id), self)
            await self.fanout.discard(broadcast.user_group(self.user.pk), self)
        if not self.opened:
            return
        self.opened = False
        try:
            closed = await self.run(
                services.session_close, user=self.user, channel_name=self.channel_name
            )
            if closed["last"]:
                presence.settle_later(self.user)
        except Exception:
            # cleanup_chat_sessions removes the row later; the socket is gone either way.
            logger.exception("Could not close chat session %s", self.channel_name)

    # --- Client frames --------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        envelope = await self.answer(text_data)
        try:
            await self.send_envelope(envelope)
        except OSError:
            # The client left before its answer (Uvicorn's ClientDisconnected); the disconnect
            # handler cleans up.
            return
        except SlowClientError:
            # Ends this consumer (its session is already closed); Uvicorn then closes the
            # connection once the buffer it still holds is sent, or when the peer goes.
            raise StopConsumer() from None
        await self.note_activity()

    async def answer(self, text_data):
        """Return the reply, or the error envelope, for one client frame."""
        request_id = event_type = None
        try:
            if text_data is None:
                raise exceptions.BinaryFrameError()
            # Every frame costs a token of the user's limits, malformed ones too; decoding
            # first (bounded by the frame size cap) lets the refusal echo the request_id.
            frame = protocol.decode_frame(text_data, settings.CHAT["MAX_FRAME_BYTES"])
            request_id = protocol.request_id_of(frame)
            if not await self.limiter.allow(self.user.pk, protocol.event_type_of(frame)):
                raise exceptions.RateLimitedError()
            request = protocol.parse_request(frame, event_schemas())
            event_type = request.event_type
            return protocol.reply(request, await self.handle(request))
        except exceptions.ChatError as exc:
            return protocol.error(exc, request_id)
        except StopConsumer:
            raise  # The handler ended the socket (a revoked credential).
        except Exception:
            logger.exception("Chat event %s from user %s failed", event_type, self.user.pk)
            return protocol.error(exceptions.ServerError(), request_id)

    async def handle(self, request):
        """Run the request's handler and return the data of its reply."""
        if request.event_type == protocol.SESSION_HEARTBEAT:
            return await self.heartbeat()
        if request.event_type == protocol.MESSAGE_TYPING:
            return await self.typing(**request.data)
        handler = DOMAIN_HANDLERS[request.event_type]
        return await self.run(handler, user=self.user, **request.data)

    async def heartbeat(self):
        """Record activity and return every room's position, so idle rooms' losses show."""
        async with self.groups_lock:
            beat = await self.run(
                services.session_heartbeat,
                user=self.user,
                channel_name=self.channel_name,
                credential=self.credential,
            )
            if beat["close_code"] is not None:
                await self.end(beat["close_code"])
                raise StopConsumer()
            self.last_touch = time.monotonic()
            # A backstop for a lost membership event: the database decides the groups.
            await self.sync_groups({room["id"] for room in beat["rooms"]})
        return {"server_time": timezone.now().isoformat(), "rooms": beat["rooms"]}

    async def typing(self, room_id, is_typing=True):
        if room_id not in self.room_ids:
            raise exceptions.RoomNotFoundError()
        data = {
            "room_id": room_id,
            "user": payloads.user_payload(self.user),
            "is_typing": is_typing,
        }
        await broadcast.send_now(
            broadcast.room_group(room_id),
            broadcast.room_message(
                room_id,
                protocol.event(protocol.ROOM_TYPING, data),
                exclude_channel=self.channel_name,
            ),
        )
        return data

    async def note_activity(self):
        """Write last_seen at most every LAST_SEEN_WRITE_INTERVAL seconds, not per frame."""
        now = time.monotonic()
        if now - self.last_touch >= settings.CHAT["LAST_SEEN_WRITE_INTERVAL"]:
            self.last_touch = now
            try:
                await self.run(services.session_touch, channel_name=self.channel_name)
            except Exception:
                # A missed write only delays last_seen by one interval.
                logger.warning("Could not record activity of %s", self.channel_name, exc_info=True)

    # --- Channel-layer events, from chat.fanout ------------------------------------------------

    def deliver(self, message):
        """Queue a layer event for this socket; returns at once."""
        if self.closing:
            return
        if self.inbox is None:
            self.inbox = collections.deque()
        self.inbox.append(message)
        self.start_writer()

    def start_writer(self):
        if self.ready and self.inbox and (self.writer is None or self.writer.done()):
            loop = asyncio.get_running_loop()
            self.writer = asyncio.Task(self.write_inbox(), loop=loop, eager_start=True)
            if not self.writer.done():
                # The writer waits: the socket's buffer is full (or a group change is under
                # way). Check on it after SLOW_CLIENT_TIMEOUT.
                self.watch_writer(self.writer)

    def watch_writer(self, writer):
        asyncio.get_running_loop().call_later(
            settings.CHAT["SLOW_CLIENT_TIMEOUT"],
            self.check_writer,
            writer,
            self.frames_forwarded,
        )

    def check_writer(self, writer, frames_forwarded):
        if writer.done() or self.closing:
            return
        if self.frames_forwarded != frames_forwarded:
            self.watch_writer(writer)  # Slow but moving.
            return
        logger.warning("Dropping a socket of user %s that stopped reading", self.user.pk)
        writer.cancel()
        self.dropping = asyncio.get_running_loop().create_task(self.drop())

    async def drop(self):
        """Forget a socket whose client stopped reading, and ask Uvicorn to close it.

        The close frame waits behind the full buffer too. An ASGI app cannot abort a
        connection, so one whose client never reads again lingers until the peer goes; it
        holds what is already buffered and nothing more is queued for it.
        """
        await self.close_session()
        with contextlib.suppress(OSError):
            await self.close()

    async def write_inbox(self):
        while self.inbox and not self.closing:
            message = self.inbox.popleft()
            try:
                await getattr(self, get_handler_name(message))(message)
            except OSError:
                return  # The client left; the disconnect handler cleans up.
            except Exception:
                logger.exception("Could not forward a %s event", message.get("type"))
        self.inbox = None

    async def forward(self, text):
        await self.send(text_data=text)
        self.frames_forwarded += 1

    async def chat_event(self, message):
        room_id = message["room_id"]
        if room_id is not None and room_id not in self.room_ids:
            return
        if message.get("exclude_channel") == self.channel_name:
            return
        await self.forward(message["text"])

    async def chat_membership(self, message):
        room_id = message["room_id"]
        async with self.groups_lock:
            if message["joined"]:
                await self.join_room(room_id)
            else:
                await self.leave_room(room_id)
        if message["text"] is not None:
            await self.forward(message["text"])

    async def chat_evict(self, message):
        await self.close(code=protocol.CLOSE_SESSION_REPLACED)

    async def chat_recheck(self, message):
        """The user's credentials changed: close if this socket's no longer holds."""
        session_key = message["session_key"]
        if session_key is not None:
            revoked = session_key == self.credential.session_key
        else:
            revoked = not await self.run(auth.credential_valid, credential=self.credential)
        if revoked:
            await self.end(protocol.CLOSE_REVOKED)

    async def end(self, code):
        """Close the session and the socket with ``code``; nothing more is sent or handled."""
        await self.close_session()
        with contextlib.suppress(OSError):
            await self.close(code=code)

    # --- Helpers ------------------------------------------------------------------------------

    async def run(self, func, **kwargs):
        """Call the domain on a database thread; send what it published once it returns."""
        result, outbox = await sync.run(func, **kwargs)
        await broadcast.flush(outbox)
        return result

    async def join_room(self, room_id):
        self.room_ids.add(room_id)
        await self.fanout.add(broadcast.room_group(room_id), self)

    async def leave_room(self, room_id):
        # Forget the room before leaving the group: nothing from it is forwarded from here on.
        self.room_ids.discard(room_id)
        await self.fanout.discard(broadcast.room_group(room_id), self)

    async def sync_groups(self, room_ids):
        for room_id in room_ids - self.room_ids:
            await self.join_room(room_id)
        for room_id in self.room_ids - room_ids:
            await self.leave_room(room_id)

    async def send_envelope(self, envelope):
        await self.send_text(protocol.encode(envelope))

    async def send_text(self, text):
        """Send a reply; drop a client that has stopped reading.

        Uvicorn applies backpressure: a send waits while the socket's buffers are full. After
        SLOW_CLIENT_TIMEOUT seconds the session is closed and SlowClientError raised so the
        consumer ends; the client reconnects and catches up by seq. (Events are forwarded by
        the writer, which is watched instead: see start_writer.)
        """
        try:
            async with asyncio.timeout(settings.CHAT["SLOW_CLIENT_TIMEOUT"]):
                await self.send(text_data=text)
        except TimeoutError:
            logger.warning("Dropping a socket of user %s that stopped reading", self.user.pk)
            await self.close_session()
            raise SlowClientError() from None

    def header(self, name):
        for key, value in self.scope.get("headers", []):
            if key.decode("latin-1").lower() == name:
                return value.decode("latin-1")
        return ""
