"""What a string from a client must be before the chat stores or echoes it.

JSON can carry strings no database or socket can hold: a lone surrogate (``"\\ud800"``) has
no UTF-8 encoding, so storing it fails on SQLite and sending it back kills the socket, and
PostgreSQL refuses NUL in text. Both are refused here, before anything runs.

Bidirectional control characters are legitimate inside right-to-left text but let a name
display as something else (U+202E before "gnp.exe" shows "exe.png"). Names and descriptions
lose them; message content loses only the overrides (U+202D, U+202E), which reverse the
characters that follow, and keeps the embeddings, isolates and marks that right-to-left
writing uses. The page also shows every message and name in its own bidi isolate (chat.css),
so nothing one user writes can reorder what surrounds it.
"""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_OVERRIDES = re.compile("[\u202d\u202e]")


def unstorable(value):
    """Return why ``value`` cannot be stored or sent back, or None if it can."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    return "contains NUL" if match.group() == "\x00" else "is not valid Unicode text"


def without_bidi_controls(value):
    return _BIDI_CONTROLS.sub("", value)


def without_bidi_overrides(value):
    return _BIDI_OVERRIDES.sub("", value)
