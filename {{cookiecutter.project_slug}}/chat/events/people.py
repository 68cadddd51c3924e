"""The people events: the directory a user picks someone from to start a direct message, and
the presence of people outside the open room.

Their request and reply live here, beside chat.events.requests and chat.events.replies.
"""

from typing import Annotated

from msgspec import Meta

from .shapes import User
from .types import Data, DirectoryPrefix, Id, Shape

MAX_DIRECTORY_RESULTS = 20
DirectoryLimit = Annotated[int, Meta(ge=1, le=MAX_DIRECTORY_RESULTS)]
MAX_PRESENCE_USERS = 100


class UserSearch(Data):
    """user.search: people whose username starts with ``prefix``, at most ``limit``."""

    prefix: DirectoryPrefix
    limit: DirectoryLimit | None = None


class Directory(Shape):
    """user.search reply: the people found, by username; each one the user may message."""

    users: list[User]


class PresenceUsers(Data):
    """presence.users: whether these people are online (the page's direct rooms' peers, the
    person on a profile card)."""

    user_ids: Annotated[list[Id], Meta(min_length=1, max_length=MAX_PRESENCE_USERS)]


class PersonPresence(Shape):
    id: Id
    online: bool


class PeoplePresence(Shape):
    """presence.users reply: the people asked for who share a room with the user; the others
    are left out (their presence is not the user's to know)."""

    users: list[PersonPresence]
