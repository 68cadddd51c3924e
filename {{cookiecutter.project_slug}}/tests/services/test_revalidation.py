"""chat/revalidation.py: the check each process makes of all its open sockets, in one query.

The timer itself, closing real sockets, is tested in tests/security/test_revocation.py.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import auth, protocol
from chat.models import ChatSession
from chat.revalidation import sockets_to_close
from tests.domain import socket_name

pytestmark = pytest.mark.django_db(transaction=True)


def open_sockets(user, count, *, first=0, session_key=None):
    """Record ``count`` sockets of ``user``; return {channel name: credential}."""
    credential = auth.Credential(user.pk, user.get_session_auth_hash(), session_key)
    names = [socket_name(f"{user.username}-{first + n}") for n in range(count)]
    ChatSession.objects.bulk_create(
        ChatSession(user=user, channel_name=name, last_seen=timezone.now()) for name in names
    )
    return dict.fromkeys(names, credential)


def test_one_query_checks_every_token_socket_of_a_process(alice, bob, carol):
    sockets = open_sockets(alice, 20) | open_sockets(bob, 20) | open_sockets(carol, 20)
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)
    ChatSession.objects.filter(channel_name=socket_name("carol-0")).delete()
    with CaptureQueriesContext(connection) as queries:
        codes = sockets_to_close(credentials=sockets)
    assert len(queries) == 1
    assert codes == {
        **{socket_name(f"bob-{n}"): protocol.CLOSE_REVOKED for n in range(20)},
        socket_name("carol-0"): protocol.CLOSE_SESSION_REPLACED,
    }


def test_cookie_sockets_cost_one_query_more_for_their_browser_sessions(alice, bob):
    browsers = {}
    for user in (alice, bob):
        browsers[user] = Client()
        browsers[user].force_login(user)
    keys = {user: browser.cookies["sessionid"].value for user, browser in browsers.items()}
    sockets = open_sockets(alice, 10, session_key=keys[alice]) | open_sockets(
        bob, 10, session_key=keys[bob]
    )
    sockets |= open_sockets(alice, 10, first=10)  # token sockets, in the same check
    browsers[bob].post("/accounts/logout/")
    with CaptureQueriesContext(connection) as queries:
        codes = sockets_to_close(credentials=sockets)
    assert len(queries) == 2
    assert codes == {socket_name(f"bob-{n}"): protocol.CLOSE_REVOKED for n in range(10)}


def test_nothing_to_close_when_every_credential_holds(alice):
    assert sockets_to_close(credentials=open_sockets(alice, 3)) == {}
