"""What message.reactions carries beside the message: whose reaction changed.

The message in it is the same for every reader, so it cannot say whether each reader reacted
(``me``); the change lets each client move its own user's flag.
"""

from .replies import MessageData
from .shapes import User
from .types import Shape


class ReactionChange(Shape):
    """Whose reaction changed: ``user`` added (``added`` true) or removed ``emoji``."""

    user: User
    emoji: str
    added: bool


class ReactionsData(MessageData):
    """message.reactions: the message's reactions now, and the change that made them."""

    change: ReactionChange
