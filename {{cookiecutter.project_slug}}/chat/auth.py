"""WebSocket authentication: short-lived signed tokens, the session cookie, the Origin rule.

A token is a signed, timestamped {user id, session-auth hash}: no table and no cache, it is
checked with SECRET_KEY alone, and changing the password invalidates it. Browsers on the chat
page use their session cookie instead.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.utils.crypto import constant_time_compare

from . import sync

TOKEN_SALT = "chat.auth.token"


def token_issue(user):
    """Return a signed token for ``user`` and its lifetime in seconds."""
    token = signing.dumps({"u": user.pk, "h": user.get_session_auth_hash()}, salt=TOKEN_SALT)
    return token, settings.CHAT["TOKEN_TTL"]


def token_user(*, token):
    """Return the active user a valid, unexpired token names, or None."""
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=settings.CHAT["TOKEN_TTL"])
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=claims.get("u"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), claims.get("h")):
        return None
    return user


class TokenAuthMiddleware:
    """Set scope["user"] from a ?token= query parameter, or else from the session cookie.

    Token connections skip the cookie, session and auth middlewares entirely: they would only
    find no session, at the cost of a thread hop per connect. A bad token yields an anonymous
    user, and the consumer closes the socket with code 4001.
    """

    def __init__(self, app):
        self.app = app
        self.cookie_auth = AuthMiddlewareStack(app)

    async def __call__(self, scope, receive, send):
        tokens = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        if not tokens:
            return await self.cookie_auth(scope, receive, send)
        user, _ = await sync.run(token_user, token=tokens[0])
        scope = {**scope, "user": user or AnonymousUser(), "auth_method": "token"}
        return await self.app(scope, receive, send)


class BrowserOriginValidator(OriginValidator):
    """Refuse sockets whose Origin is not one of ALLOWED_HOSTS; allow ones with no Origin.

    Browsers always send Origin, so a page on another site cannot borrow the user's cookie.
    Clients that send no Origin are not browsers and hold their own credentials (a token).
    """

    def __init__(self, application):
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed_hosts)

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or super().valid_origin(parsed_origin)
