"""Keep WebSocket credentials out of the logs.

Uvicorn logs every WebSocket handshake, accepted or refused, with its query string (on the
uvicorn.error logger, not uvicorn.access). A browser's ticket travels there, and a client that
wrongly puts its token in the URL sends it there too: both values are replaced before any
handler writes the line. A ticket is single-use, but one presented by a handshake that is still
in flight, or that a bug kept unspent, would otherwise open a socket to whoever reads the log.
"""

import logging
import re

TOKEN_RE = re.compile(r"((?:token|ticket)=)[^&\s\"']+", re.IGNORECASE)


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
