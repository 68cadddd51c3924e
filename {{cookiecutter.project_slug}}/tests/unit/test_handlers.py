"""The socket's routing table (chat.handlers) matches the protocol's schemas."""

import inspect

import msgspec
import pytest
from django.contrib.auth.models import AnonymousUser

from chat import handlers, protocol
from chat.consumers import ChatConsumer

EVENT_TYPES = sorted(handlers.ROUTES)


def keys_of(event_type):
    """{key: required} of a client event's data, from its typed definition."""
    data, _ = protocol.CLIENT_EVENTS[event_type]
    return {field.name: field.required for field in msgspec.inspect.type_info(data).fields}


def test_every_client_event_has_a_route_and_every_route_an_event():
    assert set(handlers.ROUTES) == set(protocol.CLIENT_EVENTS)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_handler_takes_its_events_keys_and_the_socket_facts_it_names(event_type):
    route = handlers.ROUTES[event_type]
    schema = keys_of(event_type)
    params = inspect.signature(route.handler).parameters
    named = {name for name, p in params.items() if p.kind is p.KEYWORD_ONLY}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    # Keyword-only: a handler is called with names, never by position.
    assert set(params) - named <= {name for name, p in params.items() if p.kind is p.VAR_KEYWORD}
    assert set(route.facts) <= named
    assert named - set(route.facts) <= set(schema)
    if not takes_any:
        assert named - set(route.facts) == set(schema)
    required = {name for name in named if params[name].default is inspect.Parameter.empty}
    assert required - set(route.facts) <= {key for key, required in schema.items() if required}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_socket_facts_a_route_asks_for_are_known_to_the_socket(event_type):
    socket = ChatConsumer({"user": AnonymousUser()}, send=None)
    for fact in handlers.ROUTES[event_type].facts:
        assert fact in handlers.SOCKET_FACTS
        assert hasattr(socket, fact)


def test_coroutine_handlers_run_on_the_event_loop_and_the_others_on_a_thread():
    on_loop = {event for event, route in handlers.ROUTES.items() if route.on_loop}
    # message.search waits for its slot on the loop, then searches on a thread (chat.searching).
    assert on_loop == {protocol.MESSAGE_TYPING, protocol.MESSAGE_SEARCH}
