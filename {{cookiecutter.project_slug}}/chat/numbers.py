"""Whole numbers read from a client's text: form fields, headers, cursors.

Python's own tests accept far more than the digits 0 to 9. ``str.isdigit()`` is true for
"²", which ``int()`` then refuses (a server error where a 400 was due); ``int()`` reads
"١٢" (Arabic-Indic digits), "1_000" and " 12 " as numbers, and raises on more than 4,300
digits. A client's number is therefore ASCII digits only, a few of them, within the range
its use allows, and anything else is simply not a number.
"""

import re

from .events.types import BIGINT_MAX

_DIGITS = re.compile("[0-9]+")


def parse_int(value, *, low=1, high=BIGINT_MAX):
    """Return the whole number ``value`` spells in ASCII digits within [low, high], or None.

    The default range is a database id's. Digits are counted before ``int()`` runs, so a
    megabyte of them costs nothing.
    """
    if not isinstance(value, str) or len(value) > len(str(high)):
        return None
    if _DIGITS.fullmatch(value) is None:
        return None
    number = int(value)
    return number if low <= number <= high else None
