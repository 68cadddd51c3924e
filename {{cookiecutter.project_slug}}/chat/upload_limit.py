"""An upload's own answers to its size, before any of its body is read.

config.body_limit already refuses a body over the upload path's limit (REQUEST_BODY_LIMITS:
CHAT["ATTACHMENT_MAX_BYTES"], or CHAT["AVATAR_MAX_BYTES"] for an avatar, plus room for the
multipart framing) before Django reads it. In front of it, this middleware gives the upload
endpoints (attachments, avatars) the answers their clients know
(docs/protocol.md): a POST must declare its Content-Length (411 otherwise, so a client learns
of the limit before it sends), and one over the limit is answered 413 with the error
upload_too_large (4130).
"""

from django.conf import settings
from django.urls import reverse

from config.body_limit import body_limit, content_length, refuse


class UploadLimitMiddleware:
    def __init__(self, app):
        self.app = app
        self.paths = None

    async def __call__(self, scope, receive, send):
        limit = self._limit_of(scope) if scope["type"] == "http" else None
        if limit is None or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        declared = content_length(scope)
        if declared is None:
            return await refuse(send, 411, "length_required", "Send a Content-Length.")
        if declared > body_limit(scope["path"]):
            detail = f"Files are limited to {settings.CHAT[limit]} bytes."
            return await refuse(send, 413, "upload_too_large", detail, code=4130)
        return await self.app(scope, receive, send)

    def _limit_of(self, scope):
        """The CHAT setting that limits the upload at this path, or None: not an upload."""
        if self.paths is None:
            self.paths = {
                reverse("chat:attachment_upload"): "ATTACHMENT_MAX_BYTES",
                reverse("chat:avatar_upload"): "AVATAR_MAX_BYTES",
            }
        return self.paths.get(scope["path"])
