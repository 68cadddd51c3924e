"""Which function answers each client event: the socket's one routing table.

The consumer validates a frame against its event's typed definition (chat.protocol's
CLIENT_EVENTS, the Structs in chat.events), then calls the route's handler with the event's
data and the socket facts the route asks for, and replies with what it returns. Synchronous
handlers (services and selectors, which touch the database) run on a database thread through
chat.sync; coroutine handlers run on the event loop. A unit test proves every client event
has a route and every handler takes exactly its event's keys plus its socket facts.

Adding an event: the README's "Adding an event" lists every step (a route here is one) and
the test that fails when it is skipped.
"""

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from . import presence, protocol, searching, selectors, services
from .push import visibility

# Facts about the socket a handler may ask for, beside the event's data.
SOCKET_FACTS = ("user", "channel_name", "credential", "room_ids")


@dataclass(frozen=True)
class Route:
    handler: Any
    # Which SOCKET_FACTS the handler takes as keyword arguments.
    facts: tuple = ("user",)
    # A heartbeat: the reply's rooms are the user's memberships now, and the socket's
    # groups follow them (a backstop for a lost membership event).
    syncs_groups: bool = False
    # Calls the process receives at the same time run together in one database call of this
    # function (chat.batches), which takes them as a list: handler(**call) for each.
    batch: Any = None
    # Coroutine handlers run on the event loop, the others on a database thread.
    on_loop: bool = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "on_loop", inspect.iscoroutinefunction(self.handler))


ROUTES = {
    protocol.MESSAGE_SEND: Route(services.message_send, batch=services.messages_send),
    protocol.MESSAGE_EDIT: Route(services.message_edit),
    protocol.MESSAGE_FORWARD: Route(services.message_forward),
    protocol.MESSAGE_DELETE: Route(services.message_delete),
    protocol.MESSAGE_REACT: Route(services.message_react),
    protocol.MESSAGE_READ: Route(services.message_read),
    protocol.MESSAGE_DELIVERED: Route(services.message_delivered),
    protocol.MESSAGE_TYPING: Route(
        services.typing_send, facts=("user", "channel_name", "room_ids")
    ),
    protocol.ROOM_CREATE: Route(services.room_create),
    protocol.ROOM_LIST: Route(selectors.room_list),
    protocol.ROOM_DISCOVER: Route(selectors.public_channels),
    protocol.ROOM_INFO: Route(selectors.room_info),
    protocol.ROOM_MEMBERS: Route(selectors.room_members),
    protocol.ROOM_MESSAGES: Route(selectors.room_messages),
    protocol.ROOM_JOIN: Route(services.room_join),
    protocol.ROOM_LEAVE: Route(services.room_leave),
    protocol.ROOM_ADD_MEMBERS: Route(services.room_add_members),
    protocol.ROOM_REMOVE_MEMBERS: Route(services.room_remove_members),
    protocol.ROOM_UPDATE: Route(services.room_update),
    protocol.ROOM_DELETE: Route(services.room_delete),
    protocol.ROOM_MUTE: Route(services.room_mute),
    protocol.PRESENCE: Route(presence.room_presence),
    protocol.PRESENCE_USERS: Route(presence.users_presence),
    protocol.SESSION_HEARTBEAT: Route(
        services.session_heartbeat,
        facts=("user", "channel_name", "credential"),
        syncs_groups=True,
    ),
    protocol.SESSION_VISIBILITY: Route(
        visibility.session_visibility, facts=("channel_name", "credential")
    ),
    protocol.SETTINGS_UPDATE: Route(services.settings_update),
    protocol.ROOM_RECEIPTS: Route(selectors.room_receipts),
    protocol.NOTIFICATION_LIST: Route(selectors.notification_list),
    protocol.INVITATION_LIST: Route(selectors.invitation_list),
    protocol.INVITATION_ACCEPT: Route(services.invitation_accept),
    protocol.INVITATION_DECLINE: Route(services.invitation_decline),
    protocol.USER_BLOCK: Route(services.user_block),
    protocol.USER_UNBLOCK: Route(services.user_unblock),
    protocol.USER_BLOCKS: Route(selectors.user_blocks),
    protocol.USER_SEARCH: Route(selectors.user_search),
    protocol.MESSAGE_REPORT: Route(services.message_report),
    protocol.ROOM_BAN: Route(services.room_ban),
    protocol.ROOM_UNBAN: Route(services.room_unban),
    protocol.ROOM_BANS: Route(selectors.room_bans),
    protocol.MESSAGE_SEARCH: Route(searching.message_search),
    protocol.THREAD_FOLLOW: Route(services.thread_follow),
    protocol.THREAD_UNFOLLOW: Route(services.thread_unfollow),
    protocol.THREAD_READ: Route(services.thread_read),
    protocol.THREADS_LIST: Route(selectors.threads_list),
    protocol.BOT_CREATE: Route(services.bot_create),
    protocol.BOT_LIST: Route(services.bot_list),
    protocol.BOT_REVOKE: Route(services.bot_revoke),
    protocol.PROFILE_UPDATE: Route(services.profile_update),
}


@functools.cache
def decoder():
    """The decoder of every client event (chat.protocol) under this project's CHAT limits."""
    return protocol.decoder(settings.CHAT)
