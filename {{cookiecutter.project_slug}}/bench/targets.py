"""The two servers a load can drive: how to connect, create rooms, send and read messages.

``project`` speaks this chat's protocol (token auth, session.hello, room.create, message.send /
message.new); ``tutorial`` speaks the Channels tutorial's (one room per URL, ``{"message":
text}`` both ways, no seq).
"""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets

DELIVERY = "delivery"
ERROR = "error"
OPEN_TIMEOUT = 10.0


def http_to_ws(url):
    url = url.rstrip("/")
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


class Target:
    """How to reach one server: open a socket, create rooms, frame and parse messages."""

    kind = ""
    has_seq = False

    def __init__(self, url, *, compression=True):
        self.url = url.rstrip("/")
        self.ws_base = http_to_ws(self.url)
        self.compression = "deflate" if compression else None

    async def _connect(self, path, headers=None):
        return await websockets.connect(
            self.ws_base + path,
            additional_headers=headers,
            open_timeout=OPEN_TIMEOUT,
            close_timeout=2,
            ping_interval=None,
            max_size=2**21,
            compression=self.compression,
        )

    async def open(self, identity, room):
        raise NotImplementedError

    async def setup_rooms(self, groups):
        """Create one room per list of identities; return the rooms' keys."""
        raise NotImplementedError

    def send_frame(self, room, content, request_id):
        raise NotImplementedError

    def parse(self, text):
        """Return (DELIVERY, seq, content, None), (ERROR, None, name, request_id) or None."""
        raise NotImplementedError


class TutorialTarget(Target):
    """The Channels tutorial consumer: ws/chat/<room>/, {"message": text} both ways."""

    kind = "tutorial"

    def __init__(self, url, **kwargs):
        super().__init__(url, **kwargs)
        self.run_id = uuid.uuid4().hex[:6]

    async def open(self, identity, room):
        return await self._connect(f"/ws/chat/{room}/")

    async def setup_rooms(self, groups):
        return [f"bench{self.run_id}r{index}" for index in range(len(groups))]

    def send_frame(self, room, content, request_id):
        return json.dumps({"message": content})

    def parse(self, text):
        frame = json.loads(text)
        if "message" in frame:
            return DELIVERY, None, frame["message"], None
        if "error" in frame:
            return ERROR, None, str(frame["error"]), None
        return None


class ProjectTarget(Target):
    """This project: a bearer token, session.hello first, group rooms, message.send/new."""

    kind = "project"
    has_seq = True

    async def open(self, identity, room):
        _, token = identity
        ws = await self._connect("/ws/chat/", headers={"Authorization": f"Bearer {token}"})
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                hello = json.loads(await ws.recv())
        except websockets.ConnectionClosed as exc:
            if ws.close_code == 4001:
                raise ConnectionRefusedError("token refused (expired? tokens live 15 min)") from exc
            raise
        except BaseException:
            await ws.close()
            raise
        if hello.get("event_type") != "session.hello":
            await ws.close()
            raise ConnectionError(f"expected session.hello, got {hello.get('event_type')}")
        return ws

    async def setup_rooms(self, groups):
        sem = asyncio.Semaphore(8)
        name_prefix = f"bench-{uuid.uuid4().hex[:6]}"

        async def create(index, group):
            async with sem:
                return await self._create_room(f"{name_prefix}-{index}", group)

        return list(await asyncio.gather(*(create(i, g) for i, g in enumerate(groups))))

    async def _create_room(self, name, group):
        """Create a group room as its first identity, with the others as members."""
        ws = await self.open(group[0], None)
        try:
            members = [username for username, _ in group[1:]]
            await ws.send(
                json.dumps(
                    {
                        "event_type": "room.create",
                        "data": {"kind": "group", "name": name, "members": members},
                        "request_id": "create",
                    }
                )
            )
            async with asyncio.timeout(OPEN_TIMEOUT):
                while True:
                    reply = json.loads(await ws.recv())
                    if reply.get("request_id") == "create":
                        break
            if reply["event_type"] != "room.create":
                raise RuntimeError(f"room.create failed: {reply}")
            return reply["data"]["room"]["id"]
        finally:
            await ws.close()

    def send_frame(self, room, content, request_id):
        return json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": room, "content": content, "client_msg_id": request_id},
                "request_id": request_id,
            }
        )

    def parse(self, text):
        frame = json.loads(text)
        event_type = frame.get("event_type")
        if event_type == "message.new" and "request_id" not in frame:
            message = frame["data"]["message"]
            return DELIVERY, message["seq"], message["content"], None
        if event_type == "error":
            return ERROR, None, frame["data"].get("name", "error"), frame.get("request_id")
        return None


def make_target(kind, url, *, compression=True):
    targets = {"project": ProjectTarget, "tutorial": TutorialTarget}
    return targets[kind](url, compression=compression)
