"""Refuse a request body over its path's size limit before Django reads it.

Django's ASGI handler reads a request's whole body (into a temporary file past 2.5 MB) before
any middleware or view runs, so neither CSRF nor a view can stop a large body in time: an
anonymous client could make the server take in gigabytes. This ASGI middleware sits in front
of it, on every HTTP path. Each path has a limit (settings.REQUEST_BODY_MAX_BYTES, or the one
REQUEST_BODY_LIMITS gives the longest prefix of the path):

- a declared Content-Length over the limit is answered 413 at once, nothing of the body read;
- a body without one (chunked) is counted as it arrives, and answered 413 as soon as the
  count passes the limit; Django sees a disconnect and drops what it had read.

Uvicorn stops reading from a socket whose request body the application is not reading, so
what the server takes in is at most the limit and what one read of the socket returns.
"""

import json

from django.conf import settings

from chat.numbers import parse_int


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit(scope["path"])
        declared = content_length(scope)
        if declared is not None and declared > limit:
            return await refuse_too_large(send, limit)
        guard = _CountingGuard(receive, send, limit)
        return await self.app(scope, guard.receive, guard.send)


def body_limit(path):
    """Return the largest body ``path`` accepts, in bytes: the limit of the longest prefix of
    it in REQUEST_BODY_LIMITS, or REQUEST_BODY_MAX_BYTES."""
    matches = [prefix for prefix in settings.REQUEST_BODY_LIMITS if path.startswith(prefix)]
    if not matches:
        return settings.REQUEST_BODY_MAX_BYTES
    return settings.REQUEST_BODY_LIMITS[max(matches, key=len)]


class _CountingGuard:
    """The receive and send of one request: a body past the limit ends in 413."""

    def __init__(self, receive, send, limit):
        self._receive = receive
        self._send = send
        self.limit = limit
        self.received = 0
        self.started = False
        self.refused = False

    async def receive(self):
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received <= self.limit:
            return message
        if not self.started and not self.refused:
            await refuse_too_large(self._send, self.limit)
        self.refused = True
        # Django drops the body it read so far and answers nothing (RequestAborted).
        return {"type": "http.disconnect"}

    async def send(self, message):
        if self.refused:
            return  # the 413 is the answer
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def content_length(scope):
    """Return the declared Content-Length, or None when there is none or it is not a number
    of bytes in ASCII digits (chat.numbers: the server checks the syntax, but this must not
    depend on it)."""
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            return parse_int(value.decode("latin-1"), low=0)
    return None


async def refuse_too_large(send, limit):
    detail = f"Request bodies here are limited to {limit} bytes."
    await refuse(send, 413, "request_too_large", detail)


async def refuse(send, status, name, detail, code=None):
    """Answer with a JSON error and close the connection: the body is not read."""
    body = {"error": name, "detail": detail, **({"code": code} if code else {})}
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        # The body is not read: the client must not send another request on this connection.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
