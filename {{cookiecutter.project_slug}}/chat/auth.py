"""WebSocket authentication: signed tokens, single-use tickets, the session cookie, the origin.

A token is a signed, timestamped {user id, session-auth hash}: no table and no cache, it is
checked with SECRET_KEY alone, and changing the password (or the user's security stamp, "log
out everywhere") invalidates it. One minted with a personal access token names it too, and
revoking that token ends its tokens, tickets and sockets only (accounts.access_tokens). A
token never travels in a URL, where routers and proxies log it: programs send it in the
handshake's Authorization header, and browsers, which cannot set one on a WebSocket, trade
it for a ticket (POST /api/ticket/): random, single-use and valid for CHAT["TICKET_TTL"]
seconds, and used up by the first handshake that presents it, refused or not, so the
``?ticket=`` a router's log keeps opens nothing (the project's own logs redact it:
chat.redaction). The chat page uses its session cookie.

What a socket was opened with is kept as its Credential, so an open socket can be checked
again later exactly as its connect was (credential_valid): on every heartbeat, at once when
the user's password, status, sessions or access tokens change (chat.signals), and on every
process's timer whatever happened to those events (chat.revalidation).
"""

import re
import secrets
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.cache import cache
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare
from django.utils.http import is_same_domain

from accounts import access_tokens

from . import sync

TOKEN_SALT = "chat.auth.token"


@dataclass(frozen=True)
class Credential:
    """What authenticated a socket: the user's session-auth hash then, the browser session
    for cookie sockets, and the personal access token its token or ticket was minted with."""

    user_id: int
    auth_hash: str
    session_key: str | None = None
    access_token_id: int | None = None


def token_issue(user, access_token_id=None):
    """Return a signed token for ``user`` (minted with that access token) and its lifetime."""
    claims = {"u": user.pk, "h": user.get_session_auth_hash()}
    if access_token_id is not None:
        claims["t"] = access_token_id
    return signing.dumps(claims, salt=TOKEN_SALT), settings.CHAT["TOKEN_TTL"]


def token_credential(token):
    """Return the Credential a well-signed, unexpired token carries, or None.

    Checked with SECRET_KEY alone, on the event loop: whether the user still holds it is
    read with the connect's other rows (services.sessions_open).
    """
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=settings.CHAT["TOKEN_TTL"])
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("h"), str):
        return None
    if not isinstance(claims.get("u"), int) or not isinstance(claims.get("t", 0), int):
        return None
    return Credential(claims["u"], claims["h"], access_token_id=claims.get("t"))


def token_user(*, token):
    """Return (user, credential) for a valid, unexpired token of an active user, or None."""
    credential = token_credential(token)
    user = None if credential is None else _user_holding(credential)
    return None if user is None else (user, credential)


TICKET_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def ticket_issue(credential):
    """Return a single-use ticket standing for ``credential``, and its lifetime in seconds."""
    ticket, ttl = secrets.token_urlsafe(32), settings.CHAT["TICKET_TTL"]
    held = (credential.user_id, credential.auth_hash, credential.access_token_id)
    cache.set(_ticket_key(ticket), held, ttl)
    return ticket, ttl


def ticket_credential(ticket):
    """Return the Credential an unused, unexpired ticket stands for, using it up; else None.

    Of two connects racing with one ticket only the one whose delete removed it proceeds.
    Whether the user still holds the credential is read with the connect's other rows.
    """
    if not TICKET_RE.match(ticket):
        return None
    key = _ticket_key(ticket)
    held = cache.get(key)
    if held is None or not cache.delete(key):
        return None
    user_id, auth_hash, *minted_with = held  # (a ticket of the previous release has no third)
    return Credential(user_id, auth_hash, access_token_id=next(iter(minted_with), None))


def _ticket_key(ticket):
    return f"chat:ticket:{ticket}"


def ticket_of(scope):
    """Return the ``?ticket=`` a handshake presents, or None."""
    tickets = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
    return tickets[0] if tickets else None


def bearer_token(authorization):
    """Return the token of an Authorization header's value ``Bearer <token>``, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def header(scope, name):
    """Return the value of the handshake's header ``name`` (lowercase bytes), or None."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def credential_of(scope):
    """Return the Credential a socket's scope was authenticated with (None: no valid one)."""
    if "credential" in scope:
        return scope["credential"]
    if not scope["user"].is_authenticated:
        return None
    session = scope["session"]
    return Credential(scope["user"].pk, session.get(HASH_SESSION_KEY, ""), session.session_key)


def credential_valid(credential):
    """Whether the credential would still open a socket now: the check a connect makes."""
    if _user_holding(credential) is None:
        return False
    if credential.session_key is None:
        return True
    # Logging out deletes the session; an expired one loads as empty.
    session = import_module(settings.SESSION_ENGINE).SessionStore(credential.session_key)
    return session.get(SESSION_KEY) == str(credential.user_id)


def credential_revoked(credential, *, session_key=None, access_token_id=None):
    """Whether a change to the user's credentials ends a socket opened with ``credential``.

    ``session_key`` names the browser session that logged out, ``access_token_id`` the access
    token revoked, if that was the change: their sockets close without a check, the user's
    others are unaffected.
    """
    if session_key is not None:
        return session_key == credential.session_key
    if access_token_id is not None:
        return access_token_id == credential.access_token_id
    return not credential_valid(credential)


def _user_holding(credential):
    """Return the active user whose current session-auth hash the credential carries."""
    return users_holding([credential]).get(credential)


def users_holding(credentials, *, lock=False):
    """Return {credential: user} for those ``credentials`` whose active user holds them.

    One query for any number of credentials (and one for the access tokens of those minted
    with one); with ``lock`` the users' rows stay locked until the transaction ends, taken
    in id order so that concurrent batches cannot deadlock.
    """
    # A bot posts only through its webhook: it opens no socket, even with a password someone
    # gave it in the admin (chat.services.bots makes bots without one).
    users = get_user_model().objects.filter(
        pk__in={credential.user_id for credential in credentials}, is_active=True, is_bot=False
    )
    if lock:
        users = users.select_for_update().order_by("pk")
    by_id = {user.pk: user for user in users}
    live = access_tokens.live({c.access_token_id for c in credentials} - {None})
    held = {}
    for credential in credentials:
        user = by_id.get(credential.user_id)
        if user is not None and holds(user, credential) and minted_with_live(credential, live):
            held[credential] = user
    return held


def minted_with_live(credential, live):
    """Whether the access token the credential names, if any, is its user's in ``live``."""
    token_id = credential.access_token_id
    return token_id is None or live.get(token_id) == credential.user_id


def holds(user, credential):
    """Whether ``user`` still has the session-auth hash ``credential`` carries."""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(h, credential.auth_hash) for h in hashes)


class TokenAuthMiddleware:
    """Set scope["credential"] from a bearer token or a ticket, or else use the session cookie.

    Token and ticket connections skip the cookie, session and auth middlewares entirely: they
    would only find no session, at the cost of a thread hop per connect. Their user is read
    with the connect's other rows (services.sessions_open), not here. A bad token or ticket
    yields no credential, and the consumer closes the socket with code 4001.
    """

    def __init__(self, app):
        self.app = app
        self.cookie_auth = AuthMiddlewareStack(app)

    async def __call__(self, scope, receive, send):
        token = bearer_token(header(scope, b"authorization"))
        ticket = ticket_of(scope)
        # A ticket is used up whenever it is presented, beside a token too: its URL is logged.
        held = None if ticket is None else await sync.offload(ticket_credential, ticket)
        if token is not None:
            credential = token_credential(token)
        elif ticket is not None:
            credential = held
        else:
            return await self.cookie_auth(scope, receive, send)
        scope = {**scope, "user": AnonymousUser(), "credential": credential}
        return await self.app(scope, receive, send)


class SameOriginValidator:
    """Refuse a browser's socket unless its page has the socket's own origin, or a trusted one.

    The rule Django's CSRF check applies to a browser's unsafe requests, applied to the
    handshake: Origin must be the scheme, host and port the socket was opened on (the scheme
    as the proxy saw it: Uvicorn applies X-Forwarded-Proto from a trusted proxy to the
    scope), or one of CSRF_TRUSTED_ORIGINS. A page on another port or scheme of the same host
    is another origin, and a socket it opened would carry the user's cookie. Clients that
    send no Origin are not browsers and hold their own credentials (a token). The Host must
    be one of ALLOWED_HOSTS, as for HTTP.

    A refused handshake still uses up the ticket it presents: its URL is in the logs of
    every router and proxy on the way, and replayed from there with a good Origin, an
    unspent ticket would open a socket as the user.
    """

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            if (ticket := ticket_of(scope)) is not None:
                await sync.offload(ticket_credential, ticket)
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def origin_allowed(scope):
    """Whether a socket's handshake passes the origin rule (SameOriginValidator)."""
    host = header(scope, b"host")
    if host is not None and not validate_host(split_domain_port(host)[0], _allowed_hosts()):
        return False
    origin = header(scope, b"origin")
    if origin is None:
        return True
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    if host is not None and origin == f"{scheme}://{host}":
        return True
    return _trusted(origin)


def _allowed_hosts():
    # Django's own fallback for DEBUG with an empty ALLOWED_HOSTS (HttpRequest.get_host).
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _trusted(origin):
    """Whether ``origin`` is one of CSRF_TRUSTED_ORIGINS ("https://*.example.com" included)."""
    scheme, _, netloc = origin.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        trusted_scheme, _, pattern = trusted.partition("://")
        wildcard = pattern.startswith("*.") and scheme == trusted_scheme
        if wildcard and is_same_domain(netloc, pattern[1:]):
            return True
    return False
