"""Search: the messages of the user's rooms that match a query, best first.

The same permission rule as history: only rooms the user is a member of now (never rooms
they left or were never in), never deleted messages. On PostgreSQL the match is full-text
search over a GIN index (migration 0002), ranked by ts_rank and highlighted by ts_headline;
on other databases (SQLite, the local default) every word of the query must appear in the
message, newest first, and the highlight is found in Python. Pages follow a cursor.

The text search configuration is 'simple' (no stemming, no stop words): a chat's messages are
in whatever languages its members write, and a word matches as written.

A search's cost is bounded, since its database threads and PostgreSQL's CPU are the ones
sends use (chat.searching bounds how many run at once): only the newest
CHAT["SEARCH_RANK_MAX"] matches are ranked (a word in most of a large room's messages would
otherwise rank them all before the page is cut), and the statement runs under
CHAT["SEARCH_TIMEOUT"] (search_timeout, 4081, when a query such as `-word` still takes longer).
"""

import math
import re

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import OperationalError, connection, transaction
from django.db.models import F, FloatField, Func, Q, Value
from psycopg.errors import QueryCanceled

from .. import exceptions, numbers, payloads
from ..models import Membership, Message
from .rooms import membership_for

SEARCH_CONFIG = "simple"
# ts_headline marks matches with these control characters and the payload splits on them. A
# message that contains them itself gets a stray highlight at worst: snippets are plain text.
START, STOP = "\x02", "\x03"
SNIPPET_CHARS = 160
PAGE_DEFAULT = 20
WORDS_MAX = 10


class AsReal(Func):
    """ts_rank is a real (float4): a cursor's rank compares as one, so ties stay exact."""

    template = "CAST(%(expressions)s AS real)"
    output_field = FloatField()


def search_vector():
    """The indexed expression: the GIN index in migration 0002 is built on exactly this."""
    return SearchVector("content", config=SEARCH_CONFIG)


def message_search(*, user, query, room_id=None, sender=None, cursor=None, limit=None):
    """Return {"results": [{"message", "snippet", "rank"}], "next_cursor"} for ``query``."""
    words = query.split()
    if not words:
        raise exceptions.InvalidPayloadError("query must not be empty.")
    limit = limit or PAGE_DEFAULT
    messages = visible_messages(user, room_id, sender).select_related("sender")
    if connection.vendor == "postgresql":
        page, next_cursor = _bounded_postgres_page(messages, query, cursor, limit)
    else:
        page, next_cursor = _fallback_page(messages, words[:WORDS_MAX], cursor, limit)
    return {"results": page, "next_cursor": next_cursor}


def visible_messages(user, room_id, sender):
    """The messages ``user`` may find: their current rooms' (or one of them), not deleted."""
    if room_id is not None:
        membership_for(user, room_id)  # RoomNotFoundError for a room the user is not in
        messages = Message.objects.filter(room_id=room_id)
    else:
        rooms = Membership.objects.filter(user=user).values("room_id")
        messages = Message.objects.filter(room_id__in=rooms)
    if sender is not None:
        messages = messages.filter(sender__username=sender)
    return messages.filter(deleted_at__isnull=True)


def matching(messages, query):
    """PostgreSQL: the messages matching ``query``, by the @@ the GIN index serves."""
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    return messages.alias(vector=search_vector()).filter(vector=search)


def ranked_queryset(messages, query, cursor=None):
    """PostgreSQL: the newest matches of ``query`` among ``messages``, best first, headlined.

    The newest SEARCH_RANK_MAX matches are cut in a subquery before the rank is computed, so
    a query matching most of a room costs a bounded number of ts_rank calls, not one per
    match. A cursor carries the newest match of its first page (the ceiling), so later pages
    rank the same window even when new matches arrive meanwhile.
    """
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    matches = matching(messages, query)
    position = _parse_cursor(cursor, with_rank=True) if cursor is not None else None
    if position is not None and position[2] is not None:
        matches = matches.filter(pk__lte=position[2])
    newest = matches.order_by("-pk").values("pk")[: settings.CHAT["SEARCH_RANK_MAX"]]
    ranked = Message.objects.filter(pk__in=newest).select_related("sender")
    ranked = ranked.annotate(rank=SearchRank(search_vector(), search))
    if position is not None:
        rank, message_id, _ = position
        rank = AsReal(Value(rank))
        ranked = ranked.filter(Q(rank__lt=rank) | Q(rank=rank, pk__lt=message_id))
    headline = SearchHeadline(
        "content",
        search,
        config=SEARCH_CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=10,
    )
    return ranked.annotate(headline=headline).order_by(F("rank").desc(), "-pk")


def _bounded_postgres_page(messages, query, cursor, limit):
    """_postgres_page under SEARCH_TIMEOUT: SET LOCAL, so only this transaction has it."""
    timeout_ms = round(settings.CHAT["SEARCH_TIMEOUT"] * 1000)
    try:
        with transaction.atomic():
            with connection.cursor() as sql:
                sql.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout_ms)])
            return _postgres_page(messages, query, cursor, limit)
    except OperationalError as error:
        if isinstance(error.__cause__, QueryCanceled):
            raise exceptions.SearchTimeoutError() from None
        raise


def _postgres_page(messages, query, cursor, limit):
    rows = list(ranked_queryset(messages, query, cursor)[: limit + 1])
    results = [_result(m, _segments(m.headline), m.rank) for m in rows[:limit]]
    if len(rows) <= limit:
        return results, None
    last = rows[limit - 1]
    ceiling = _parse_cursor(cursor, with_rank=True)[2] if cursor is not None else None
    if ceiling is None:  # the first page: its window ends at the newest match now
        ceiling = matching(messages, query).order_by("-pk").values_list("pk", flat=True)[0]
    return results, f"{last.rank!r}:{last.pk}:{ceiling}"


def _fallback_page(messages, words, cursor, limit):
    for word in words:
        messages = messages.filter(content__icontains=word)
    if cursor is not None:
        (message_id,) = _parse_cursor(cursor, with_rank=False)
        messages = messages.filter(pk__lt=message_id)
    rows = list(messages.order_by("-pk")[: limit + 1])
    results = [_result(m, _highlight(m.content, words), None) for m in rows[:limit]]
    return results, (str(rows[limit - 1].pk) if len(rows) > limit else None)


def _parse_cursor(cursor, *, with_rank):
    """Return (rank, message id, ceiling or None) or (message id,) from a cursor this search
    returned; anything else is a clear error.

    A rank is what repr() wrote: ASCII and finite (float() would also read "nan" or "١.٥");
    ids are ASCII digits (chat.numbers).
    """
    if with_rank:
        fields = cursor.split(":")
        parts = [_parse_rank(fields[0]), *(numbers.parse_int(field) for field in fields[1:])]
        valid = len(fields) in (2, 3) and None not in parts
        parts += [None] * (3 - len(parts))
    else:
        parts = [numbers.parse_int(cursor)]
        valid = parts[0] is not None
    if not valid:
        raise exceptions.InvalidPayloadError("cursor is not one this search returned.")
    return tuple(parts)


def _parse_rank(text):
    try:
        rank = float(text) if text.isascii() else None
    except ValueError:
        return None
    return rank if rank is not None and math.isfinite(rank) else None


def _result(message, snippet, rank):
    return {"message": payloads.message_payload(message), "snippet": snippet, "rank": rank}


def _segments(marked):
    """Split ts_headline's output into [[text, matched]] pairs, for the page to mark up."""
    segments = []
    for part in re.split(f"({START}.*?{STOP})", marked, flags=re.S):
        if part.startswith(START):
            segments.append([part[1:-1], True])
        elif part:
            segments.append([part, False])
    return segments


def _highlight(content, words):
    """The fallback's snippet: the text around the first match, every match marked."""
    lowered = content.lower()
    first = min((i for w in words if (i := lowered.find(w.lower())) >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    text = content[start : start + SNIPPET_CHARS]
    pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    segments = []
    position = 0
    for match in re.finditer(pattern, text, flags=re.I):
        if match.start() > position:
            segments.append([text[position : match.start()], False])
        segments.append([match.group(), True])
        position = match.end()
    if position < len(text):
        segments.append([text[position:], False])
    if start > 0:
        segments.insert(0, ["…", False])
    if start + SNIPPET_CHARS < len(content):
        segments.append(["…", False])
    return segments
