"""chat/upload_limit.py over ASGI: what a declared Content-Length the server let through gets.

The HTTP servers check the header's syntax themselves; the middleware must not depend on it,
so it is driven here with the headers a laxer server (or another ASGI front) could pass on.
"""

import json

import pytest

from chat.upload_limit import UploadLimitMiddleware


async def answer_to(content_length):
    """The status and JSON body the middleware answers, or None if the request went through."""
    sent, reached = [], []

    async def app(scope, receive, send):
        reached.append(scope)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/attachments/",
        "headers": [(b"content-length", content_length)],
    }
    await UploadLimitMiddleware(app)(scope, receive, send)
    if reached:
        return None
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.mark.parametrize(
    "content_length", [b"9" * 5000, "²".encode(), "١٢".encode(), b"1_0", b"-1", b" 12"]
)
async def test_a_length_that_is_not_a_number_of_bytes_is_refused(content_length):
    status, body = await answer_to(content_length)
    assert (status, body["error"]) == (411, "length_required")


async def test_a_plain_length_goes_through_or_is_too_large():
    assert await answer_to(b"1024") is None
    status, body = await answer_to(b"99999999999")
    assert (status, body["error"]) == (413, "upload_too_large")
