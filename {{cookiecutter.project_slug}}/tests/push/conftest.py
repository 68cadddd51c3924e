"""Web Push against the tests' own push service on loopback (testservers/push.py).

``push`` turns Web Push on with a key pair made for the test, connects the message receivers
as startup does where the keys are set (chat.apps), and gives the push service;
``device(user)`` signs ``user`` in (a browser session, as the page has) and subscribes a new
browser of theirs through the page's endpoint, returning (Django test client, Browser).
"""

import pytest
from django.test import Client
from django.urls import reverse

from chat.management.commands.vapid_keys import new_pair
from chat.push import hooks
from chat.push.outbox import outbox
from testservers.push import PushService


@pytest.fixture
def push(settings):
    public, private = new_pair()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
    settings.VAPID_SUBJECT = "mailto:ops@example.com"
    settings.CHAT = {**settings.CHAT, "PUSH_ALLOW_LOOPBACK": True, "PUSH_TIMEOUT": 2.0}
    hooks._is_direct.cache_clear()
    hooks.connect()
    try:
        with PushService() as service:
            service.vapid_key = public
            yield service
            service.release()
            outbox.join()  # this test's pushes are done before its rows are flushed
    finally:
        hooks.disconnect()
    assert service.refusals == []


def subscribe(user, service):
    """Sign ``user`` in and subscribe a new browser of theirs; return (client, browser)."""
    browser = service.subscribe()
    client = Client()
    client.force_login(user)
    answer = client.post(
        reverse("chat:push_subscribe"), browser.info(), content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    return client, browser
