"""Bot tokens, and text a bot posts as typed rather than as Markdown.

A bot's token is ``chb_<prefix>_<secret>``: the prefix names the token (shown in the admin and
the room's details, so a team can tell which one leaked) and the secret is 256 random bits.
Only the SHA-256 of the whole token is stored. A slow password hash protects guessable
passwords; a token is not guessable, and a slow hash would make every webhook call (and
every forged one) cost the server tens of milliseconds. The stored hash is compared in
constant time, and a call for a bot that does not exist hashes and compares all the same, so
the time of an answer tells nothing about a token or a bot id.
"""

import hashlib
import hmac
import re
import secrets

from django.utils import timezone

from .models import Bot

TOKEN_SCHEME = "chb"
# Any well-formed token of the scheme is far shorter: longer ones are not hashed at all.
TOKEN_MAX_LENGTH = 100
# Compared with when no bot has the id asked for: no token hashes to it.
_NO_HASH = "0" * 64


def new_token():
    """Return (prefix, token): a token to show once, and the prefix that names it."""
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def bot_for_token(bot_id, token):
    """Return (bot, its user loaded) if ``token`` is the token of bot ``bot_id``, else None.

    A revoked bot's own token returns the bot (the caller answers that it is revoked); any
    other token, for any id, returns None after the same work.
    """
    bot = Bot.objects.select_related("user").filter(pk=bot_id).first()
    given = token_hash(token) if len(token) <= TOKEN_MAX_LENGTH else ""
    matches = hmac.compare_digest(given, bot.token_hash if bot is not None else _NO_HASH)
    return bot if matches else None


def mark_used(bot):
    Bot.objects.filter(pk=bot.pk).update(last_used_at=timezone.now())


# Characters that start Markdown anywhere in a line (chat.formatting), and at a line's start.
_INLINE = re.compile(r"([\\`*_~\[\]<>&])")
_LINE_START = re.compile(r"^([ \t]*)(?:([-+])|([0-9]{1,9})([.)]))", re.MULTILINE)
# Words the renderer turns into links whether or not the text is Markdown; escaping inside
# them would cut the link short, so they are left as typed.
_LINK_WORD = re.compile(r"(?:https?://|mailto:|www\.)\S+|\S+@\S+\.\S+")


def as_typed(text):
    """Return Markdown that renders as ``text`` reads: every character that would format is
    escaped (CommonMark lets any ASCII punctuation be), so ``**x**`` shows its asterisks.

    Links and @mentions still work, as they do in any message: a link is not formatting but
    an address, and a mention notifies as the sender meant.
    """
    parts, end = [], 0
    for link in _LINK_WORD.finditer(text):
        parts.append(_INLINE.sub(r"\\\1", text[end : link.start()]))
        parts.append(link.group())
        end = link.end()
    parts.append(_INLINE.sub(r"\\\1", text[end:]))
    return _LINE_START.sub(_escape_line_start, "".join(parts))


def _escape_line_start(match):
    indent, bullet, number, delimiter = match.groups()
    if bullet:
        return f"{indent}\\{bullet}"
    return f"{indent}{number}\\{delimiter}"
