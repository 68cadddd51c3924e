"""The people events: the directory a user picks someone from to start a direct message.

Their request and reply live here, beside chat.events.requests and chat.events.replies.
"""

from typing import Annotated

from msgspec import Meta

from .shapes import User
from .types import Data, DirectoryPrefix, Shape

MAX_DIRECTORY_RESULTS = 20
DirectoryLimit = Annotated[int, Meta(ge=1, le=MAX_DIRECTORY_RESULTS)]


class UserSearch(Data):
    """user.search: people whose username starts with ``prefix``, at most ``limit``."""

    prefix: DirectoryPrefix
    limit: DirectoryLimit | None = None


class Directory(Shape):
    """user.search reply: the people found, by username; each one the user may message."""

    users: list[User]
