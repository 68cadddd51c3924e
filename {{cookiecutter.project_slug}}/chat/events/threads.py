"""The thread events: following a thread, reading it, listing the followed ones.

Their requests and replies live together here, beside chat.events.requests and
chat.events.replies, which name the rest of the protocol.
"""

from typing import Annotated

from msgspec import Meta

from .shapes import Message, ThreadSummary
from .types import Count, Data, Id, Seq, Shape

ThreadsCursor = Annotated[
    str,
    Meta(
        pattern=r"^[0-9]{1,19}:[0-9]{1,19}$", description="next_cursor of threads.list, as given."
    ),
]
ThreadsLimit = Annotated[int, Meta(ge=1, le=100)]


class ThreadRef(Data):
    """thread.follow and thread.unfollow: the root of the thread."""

    thread_root_id: Id


class ThreadRead(Data):
    """thread.read: the user read the thread's replies up to ``seq`` (a room seq)."""

    thread_root_id: Id
    seq: Seq


class ThreadsList(Data):
    """threads.list: the user's followed threads, latest reply first, one page."""

    cursor: ThreadsCursor | None = None
    limit: ThreadsLimit | None = None


class ThreadFollowData(Shape):
    """thread.follow, thread.unfollow and thread.read replies."""

    room_id: Id
    thread_root_id: Id
    following: bool
    last_read_seq: Seq


class FollowedThread(Shape):
    """A followed thread: its root (with its summary) and the replies others sent that the
    user has not read."""

    root: Message
    last_read_seq: Seq
    unread: Count


class ThreadsPage(Shape):
    """threads.list reply; next_cursor fetches the next page (null: no more)."""

    threads: list[FollowedThread]
    next_cursor: str | None


class ThreadUpdated(Shape):
    """thread.updated: a root's thread summary changed (a reply came); ``rev`` is the root's
    new rev, as room.messages with changed_after_rev would return it."""

    room_id: Id
    thread_root_id: Id
    rev: Count
    thread: ThreadSummary
