"""Refuse an upload body over the size limit before any of it is read.

Django's ASGI handler reads a request's whole body (into a temporary file) before the view
runs, so the view cannot stop an oversized upload in time. This ASGI middleware sits in front
of it: a POST to the upload endpoint must declare its Content-Length (411 otherwise), a
declared length over CHAT["ATTACHMENT_MAX_BYTES"] plus room for the multipart framing is
answered 413 at once, and a body that runs past what it declared is cut off (the server
already holds a client to its Content-Length; this makes the limit not depend on it).
"""

import json

from django.conf import settings
from django.urls import reverse

from . import numbers

# Room for the multipart boundaries, the part headers and the room_id field.
MULTIPART_OVERHEAD = 16 * 1024


class UploadLimitMiddleware:
    def __init__(self, app):
        self.app = app
        self.path = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not self._is_upload(scope):
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        limit = settings.CHAT["ATTACHMENT_MAX_BYTES"] + MULTIPART_OVERHEAD
        if declared is None:
            return await _refuse(send, 411, "length_required", "Send a Content-Length.")
        if declared > limit:
            detail = f"Files are limited to {settings.CHAT['ATTACHMENT_MAX_BYTES']} bytes."
            return await _refuse(send, 413, "upload_too_large", detail, code=4130)
        return await self.app(scope, _bounded(receive, declared), send)

    def _is_upload(self, scope):
        if self.path is None:
            self.path = reverse("chat:attachment_upload")
        return scope["path"] == self.path


def _content_length(scope):
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            return numbers.parse_int(value.decode("latin-1"), low=0)
    return None


def _bounded(receive, declared):
    """Wrap ``receive`` so that a body longer than it declared ends as a disconnect."""
    received = 0

    async def bounded_receive():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > declared:
                return {"type": "http.disconnect"}
        return message

    return bounded_receive


async def _refuse(send, status, name, detail, code=None):
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
