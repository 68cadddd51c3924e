"""The profile events: a user changing their display name, status or time zone, and everyone
who shares a room with them learning of it.

The avatar is not an event: it is an image, uploaded over HTTP (POST /api/profile/avatar/,
chat.views_profile) like attachments, and announced by the same user.updated.
"""

from typing import Annotated

from msgspec import Meta

from .shapes import Profile
from .types import Data, DisplayName, Shape, StatusEmoji, StatusText

TimeZone = Annotated[
    str,
    Meta(
        max_length=64,
        pattern=r"^[A-Za-z0-9_+/-]*$",
        description="An IANA time zone name (Europe/Paris), or empty: not said.",
    ),
]


class ProfileUpdate(Data):
    """Change some of the user's profile; keys left out stay as they are, "" clears one."""

    display_name: DisplayName | None = None
    status: StatusText | None = None
    status_emoji: StatusEmoji | None = None
    time_zone: TimeZone | None = None


class UserUpdated(Shape):
    """profile.update reply; user.updated, to the user's rooms and their own sockets."""

    user: Profile
