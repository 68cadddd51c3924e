"""The bot events (bot.create, bot.list, bot.revoke) and the body of a webhook call.

Their requests and replies live together here, beside chat.events.requests and
chat.events.replies, which name the rest of the protocol. A webhook call is HTTP, not a
socket event, but its text follows the rules of a message.send's content (chat.webhooks).
"""

from .shapes import User
from .types import Content, Data, Id, Shape, Timestamp, UserName


class BotCreate(Data):
    """bot.create: a bot named ``name`` (a username: the same rules) in a group or channel
    the sender administers."""

    room_id: Id
    name: UserName


class BotRef(Data):
    """bot.revoke: the bot whose token ends now."""

    bot_id: Id


class BotInfo(Shape):
    """A bot as its room's admins see it: ``token_prefix`` names its token, which is shown
    only once (bot.create's reply)."""

    id: Id
    user: User
    room_id: Id
    token_prefix: str
    created_by: User | None
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked: bool


class BotCreated(Shape):
    """bot.create's reply: the token (never shown again) and the webhook's path, which takes
    ``POST`` with ``Authorization: Bearer <token>`` (docs/bots.md)."""

    bot: BotInfo
    token: str
    url: str


class BotData(Shape):
    """bot.revoke's reply."""

    bot: BotInfo


class Bots(Shape):
    """bot.list's reply: the room's bots, revoked ones included."""

    room_id: Id
    bots: list[BotInfo]


class WebhookPost(Data):
    """The JSON body of ``POST /hooks/<id>``: ``text`` as a message's content; ``markdown``
    false shows it as typed (default true: formatted like any message)."""

    text: Content
    markdown: bool | None = None
