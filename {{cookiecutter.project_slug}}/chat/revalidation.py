"""Every open socket of a process, checked again on a timer: no socket relies on its client.

A socket's credential is checked when it opens, at once when the user's credentials change
(chat.signals), and on every session.heartbeat. Neither of the last two can be relied on: a
revocation event published while Redis is down is lost, a queryset update() sends no signal
at all, and a hostile client never heartbeats. So each process sweeps its own open sockets
every CHAT["REVALIDATE_INTERVAL"] seconds:

- a socket that sent no session.heartbeat for CHAT["IDLE_TIMEOUT"] seconds is closed with
  4011, after which its client, if it is still there, reconnects;
- the others are checked as their connects were, all together: one query reads their session
  rows with their users (one more reads the browser sessions of the sockets opened with the
  session cookie), per CHUNK sockets. A socket whose user is inactive, whose password or
  security stamp changed, whose browser session ended, or whose personal access token was
  revoked or expired, closes with 4010 (a third query reads those tokens); one whose session
  row is gone (replaced beyond the cap, or presumed dead by cleanup_chat_sessions) with 4008.

The timer runs only while the process holds open sockets.
"""

import asyncio
import logging
import time
import weakref
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db as db_sessions
from django.utils import timezone

from accounts import access_tokens

from . import auth, protocol, sync
from .models import ChatSession

logger = logging.getLogger(__name__)

# Values bound per query: far below what any supported database accepts.
CHUNK = 2000

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, "Sweeper"] = (
    weakref.WeakKeyDictionary()
)


def watch(socket):
    """Check an open socket on this process's timer until unwatch().

    A socket has ``channel_name``, ``credential``, ``last_heartbeat`` (time.monotonic()) and
    ``end(code)`` (chat.consumers).
    """
    loop = asyncio.get_running_loop()
    if (sweeper := _by_loop.get(loop)) is None:
        sweeper = _by_loop[loop] = Sweeper()
    sweeper.add(socket)


def unwatch(socket):
    if (sweeper := _by_loop.get(asyncio.get_running_loop())) is not None:
        sweeper.sockets.discard(socket)


class Sweeper:
    """One process's open sockets, and the task that sweeps them while there are any."""

    def __init__(self):
        self.sockets = weakref.WeakSet()
        self.task = None

    def add(self, socket):
        self.sockets.add(socket)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self):
        try:
            while self.sockets:
                await asyncio.sleep(settings.CHAT["REVALIDATE_INTERVAL"])
                try:
                    await self.sweep()
                except Exception:
                    # The database is down, say: the next sweep checks them all again.
                    logger.exception("Could not check the open sockets again")
        finally:
            self.task = None

    async def sweep(self):
        """Close the sockets that went idle, or whose credential or session row is gone."""
        sockets = list(self.sockets)
        idle_timeout = settings.CHAT["IDLE_TIMEOUT"]
        now = time.monotonic()
        closing = {
            socket: protocol.CLOSE_IDLE
            for socket in sockets
            if idle_timeout and now - socket.last_heartbeat > idle_timeout
        }
        checked = {socket.channel_name: socket for socket in sockets if socket not in closing}
        if checked:
            credentials = {name: socket.credential for name, socket in checked.items()}
            codes = await sync.call(sockets_to_close, credentials=credentials)
            closing |= {checked[name]: code for name, code in codes.items()}
        # Those that closed meanwhile have left the set: each socket is closed once.
        ending = [(s, code) for s, code in closing.items() if s in self.sockets]
        results = await asyncio.gather(*(s.end(code) for s, code in ending), return_exceptions=True)
        for (socket, code), result in zip(ending, results, strict=True):
            if isinstance(result, Exception):
                logger.error(
                    "Could not close %s with %d", socket.channel_name, code, exc_info=result
                )


def sockets_to_close(*, credentials):
    """Return {channel name: close code} for the sockets that must close now.

    ``credentials`` maps each socket's channel name to the Credential it was opened with.
    """
    names = list(credentials)
    users = {}
    for chunk in _chunks(names):
        rows = ChatSession.objects.filter(channel_name__in=chunk).select_related("user")
        users.update((row.channel_name, row.user) for row in rows)
    browsers = _browser_sessions({c.session_key for c in credentials.values() if c.session_key})
    live = _access_tokens({c.access_token_id for c in credentials.values()} - {None})
    holds = {}  # (user id, hash) -> whether it still holds, computed once per user
    codes = {}
    for name, credential in credentials.items():
        if (user := users.get(name)) is None:
            codes[name] = protocol.CLOSE_SESSION_REPLACED
            continue
        key = (user.pk, credential.auth_hash)
        if key not in holds:
            holds[key] = user.is_active and auth.holds(user, credential)
        browser = credential.session_key
        browser_gone = browser and browsers.get(browser) != str(credential.user_id)
        if not holds[key] or browser_gone or not auth.minted_with_live(credential, live):
            codes[name] = protocol.CLOSE_REVOKED
    return codes


def _browser_sessions(keys):
    """Return {session key: user id as stored} of the live browser sessions among ``keys``."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, db_sessions.SessionStore):
        # Other engines (cache, files) have no table to read at once: a lookup per session.
        return {key: store(key).get(SESSION_KEY) for key in keys}
    sessions = {}
    for chunk in _chunks(list(keys)):
        rows = store.get_model_class().objects.filter(
            session_key__in=chunk, expire_date__gt=timezone.now()
        )
        sessions.update(
            (row.session_key, store().decode(row.session_data).get(SESSION_KEY)) for row in rows
        )
    return sessions


def _access_tokens(token_ids):
    """Return {token id: user id} of the live access tokens among ``token_ids``."""
    live = {}
    for chunk in _chunks(list(token_ids)):
        live.update(access_tokens.live(chunk))
    return live


def _chunks(values):
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]
