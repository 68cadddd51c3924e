"""session.visibility: a page says whether it is in view, so its browser is not pushed.

Its request and reply live here, beside chat.events.requests and chat.events.replies.
"""

from .types import Data, Shape


class SessionVisibility(Data):
    """session.visibility: whether the page of this socket is in view now."""

    visible: bool


class VisibilityData(Shape):
    """session.visibility reply: what the server recorded."""

    visible: bool
