"""Keep WebSocket tokens out of the logs.

Uvicorn logs every WebSocket handshake with its query string, and the token travels there.
"""

import logging
import re

TOKEN_RE = re.compile(r"(token=)[^&\s\"']+")


def redact(text):
    return TOKEN_RE.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    def filter(self, record):
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install():
    """Attach the filter to uvicorn's loggers, which Django's LOGGING does not configure."""
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter())
