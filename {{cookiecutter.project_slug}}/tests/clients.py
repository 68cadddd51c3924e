"""Chat clients for tests: request/reply by request_id, pushed events collected on the side.

Every frame received, and every frame sent through send() or request() unless the test marks
it hostile, is checked against the protocol's JSON Schema (tests/schema.py): a mismatch fails
the test. send_text() sends raw text unchecked, for malformed frames.

The same client works over Channels' WebsocketCommunicator (in-process) and over a real
WebSocket to a running server (the websockets library), so tests read alike at every level.
"""

import asyncio
import itertools
import json
import urllib.error
import urllib.request
import uuid

import websockets
from asgiref.sync import sync_to_async

from tests.schema import check_received, check_sent


class ChatClient:
    """Send events, await their replies, and collect everything else the server pushes."""

    def __init__(self, send_text, receive_text, close):
        self._send_text = send_text
        self._receive_text = receive_text
        self._close = close
        self.hello = None
        self.events = []
        self._ids = itertools.count(1)

    async def send(self, frame, *, hostile=False):
        if not hostile:
            check_sent(frame)
        await self._send_text(json.dumps(frame))

    async def send_text(self, text):
        await self._send_text(text)

    async def receive(self, timeout=3):
        async with asyncio.timeout(timeout):
            return await self._receive()

    async def _receive(self):
        return check_received(json.loads(await self._receive_text()))

    async def request(self, event_type, data=None, timeout=3, *, hostile=False):
        """Send an event and return the envelope answering it (a reply or an error).

        ``hostile``: the frame is meant to break the protocol; it is sent unchecked.
        """
        request_id = f"r{next(self._ids)}"
        frame = {"event_type": event_type, "data": data or {}, "request_id": request_id}
        await self.send(frame, hostile=hostile)
        return await self.until(lambda e: e.get("request_id") == request_id, timeout)

    async def ok(self, event_type, data=None, timeout=3):
        """Send an event that must succeed; return its reply data."""
        envelope = await self.request(event_type, data, timeout)
        assert envelope["event_type"] == event_type, envelope
        return envelope["data"]

    async def expect(self, event_type, timeout=3, where=lambda data: True):
        """Return the data of the next pushed event of this type matching ``where``."""
        envelope = await self.until(
            lambda e: e["event_type"] == event_type and "request_id" not in e and where(e["data"]),
            timeout,
        )
        return envelope["data"]

    async def until(self, matches, timeout):
        for index, envelope in enumerate(self.events):
            if matches(envelope):
                return self.events.pop(index)
        async with asyncio.timeout(timeout):
            while True:
                envelope = await self._receive()
                if matches(envelope):
                    return envelope
                self.events.append(envelope)

    async def silent(self, event_type=None, timeout=0.3):
        """Assert nothing (of ``event_type``) arrives within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self.events.append(await self._receive())
        except TimeoutError:
            pass
        unwanted = [e for e in self.events if event_type is None or e["event_type"] == event_type]
        assert not unwanted, unwanted

    async def close(self):
        await self._close()


async def connect_communicator(user=None, *, token=None, headers=None, expect_hello=True):
    """Connect in-process through the full ASGI application, with a token for ``user``."""
    from channels.testing import WebsocketCommunicator

    from chat.auth import token_issue
    from config.asgi import application

    if token is None and user is not None:
        token, _ = await sync_to_async(token_issue)(user)
    path = "/ws/chat/"
    if token is not None:
        headers = [*(headers or []), (b"authorization", f"Bearer {token}".encode())]
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect(timeout=5)
    assert connected

    async def receive_text():
        message = await communicator.receive_output(timeout=30)
        if message["type"] == "websocket.close":
            raise ConnectionClosedError(message.get("code"))
        return message["text"]

    client = ChatClient(
        lambda text: communicator.send_to(text_data=text), receive_text, communicator.disconnect
    )
    client.communicator = communicator
    if expect_hello:
        await _read_hello(client)
    return client


class ConnectionClosedError(Exception):
    def __init__(self, code):
        super().__init__(f"closed with code {code}")
        self.code = code


async def connect_websocket(ws_url, *, token=None, expect_hello=True, origin=None, **kwargs):
    """Connect to a running server over a real WebSocket."""
    if token:
        kwargs["additional_headers"] = {
            **kwargs.get("additional_headers", {}),
            "Authorization": f"Bearer {token}",
        }
    connection = await websockets.connect(ws_url, origin=origin, max_size=2**21, **kwargs)
    client = ChatClient(connection.send, connection.recv, connection.close)
    client.connection = connection
    if expect_hello:
        await _read_hello(client)
    return client


async def _read_hello(client):
    hello = await client.receive(timeout=10)
    assert hello["event_type"] == "session.hello", hello
    client.hello = hello["data"]


def fetch_token(base_url, username, password, headers=None):
    """POST /api/token/ and return the token (blocking; call from a thread in async code)."""
    request = urllib.request.Request(
        f"{base_url}/api/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


def post_ticket(base_url, token):
    """POST /api/ticket/ with a bearer token and return the JSON answer (blocking)."""
    request = urllib.request.Request(
        f"{base_url}/api/ticket/", headers={"Authorization": f"Bearer {token}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def multipart(fields, files):
    """Return (body, content type) of a multipart/form-data request.

    ``fields`` maps names to text; ``files`` maps names to (filename, declared type, bytes).
    """
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n')
        parts.append(f"{value}\r\n")
    body = "".join(parts).encode()
    for name, (filename, declared, data) in files.items():
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {declared}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_upload(base_url, token, room_id, filename, data, declared="application/octet-stream"):
    """POST /api/attachments/ with a bearer token; return (status, headers, JSON answer)."""
    body, content_type = multipart({"room_id": room_id}, {"file": (filename, declared, data)})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    request = urllib.request.Request(
        f"{base_url}/api/attachments/", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, _json_or_text(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, _json_or_text(error.read())


def _json_or_text(body):
    """The JSON answer, or {"error": None, "text": ...} for a page such as a server error's."""
    try:
        return json.loads(body)
    except ValueError:
        return {"error": None, "text": body.decode(errors="replace")}
