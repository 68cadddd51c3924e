"""What a domain call publishes, decoded so a test reads as "call -> these rows, these events".

``published(func, **kwargs)`` runs a service under broadcast.collected() and returns its result
with the events it published after commit. The domain tests run with transaction=True, so a
call commits as it does in production and its on_commit callbacks really run; what a rolled
back call registered never runs. Each event is an ``Event``; ``Event.head`` is the
``(layer type, group or channel, event_type, data keys)`` every test compares, and the
builders below (room_event, user_event, membership, evict) spell the expected heads.
"""

import json
from dataclasses import dataclass, field

import pytest

from chat import broadcast


@dataclass(frozen=True)
class Event:
    type: str  # the layer message type: broadcast.EVENT, MEMBERSHIP, EVICT or RECHECK
    to: str  # the group it was sent to, or the layer channel of a direct send
    event_type: str | None = None  # the client envelope's, when the message carries one
    data: dict | None = None  # the client envelope's data
    layer: dict = field(default_factory=dict)  # the other fields of the layer message

    @property
    def head(self):
        return (self.type, self.to, self.event_type, tuple(sorted(self.data or ())))


def decode(group, message, channel_name):
    """Return the Event of one outbox entry ``(group, layer message, channel_name)``."""
    message = dict(message)
    if group is not None:
        # Every group message names its group: chat.fanout receives them all on one channel.
        assert message.pop("group") == group, message
    text = message.pop("text", None)
    envelope = json.loads(text) if text is not None else {}
    assert set(envelope) <= {"event_type", "data"}, envelope
    return Event(
        type=message.pop("type"),
        to=group if group is not None else channel_name,
        event_type=envelope.get("event_type"),
        data=envelope.get("data"),
        layer=message,
    )


def published(func, /, **kwargs):
    """Run ``func(**kwargs)``; return (its result, the Events it published, in order)."""
    with broadcast.collected() as outbox:
        result = func(**kwargs)
    return result, [decode(*entry) for entry in outbox]


def refused(error, func, /, **kwargs):
    """Run ``func(**kwargs)``, expecting ``error``; assert it published nothing."""
    with broadcast.collected() as outbox, pytest.raises(error) as raised:
        func(**kwargs)
    assert outbox == []
    return raised.value


def heads(events):
    return [event.head for event in events]


def _head(type_, to, event_type, keys):
    return (type_, to, event_type, tuple(sorted(keys)))


def room_event(room_id, event_type, *keys):
    """The head of a chat.event to a room's group."""
    return _head(broadcast.EVENT, broadcast.room_group(room_id), event_type, keys)


def user_event(user_id, event_type, *keys):
    """The head of a chat.event to a user's group (all of the user's sockets)."""
    return _head(broadcast.EVENT, broadcast.user_group(user_id), event_type, keys)


def membership(user_id, event_type, *keys):
    """The head of a chat.membership to a user's group, forwarding an envelope."""
    return _head(broadcast.MEMBERSHIP, broadcast.user_group(user_id), event_type, keys)


def evict(socket_name):
    """The head of a chat.evict, sent to the layer channel of the socket's process."""
    return _head(broadcast.EVICT, broadcast.process_channel(socket_name), None, ())
