"""Subscribing a browser: what is refused (and stores nothing), and what ends a subscription.

Through the page's endpoint (Django's test client, with a signed-in session as the page has),
the push thread and the loopback push service.
"""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from chat.models import PushSubscription
from chat.push.outbox import outbox
from tests.helpers import call
from tests.push.conftest import subscribe
from tests.rooms import room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]

SUBSCRIBE = reverse("chat:push_subscribe")


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def refused(client, data):
    """POST ``data``; return the refusal's (status, error), once nothing was stored."""
    answer = client.post(SUBSCRIBE, data, content_type="application/json")
    assert not PushSubscription.objects.exists()
    return answer.status_code, answer.json().get("error")


def with_endpoint(browser, endpoint):
    return {**browser.info(), "endpoint": endpoint}


def with_keys(browser, **keys):
    info = browser.info()
    return {**info, "keys": {**info["keys"], **keys}}


def test_endpoints_off_https_or_off_the_public_internet_are_refused(alice, push, settings):
    browser, client = push.subscribe(), signed_in(alice)
    too_long = "https://push.example.com/" + "a" * 1024
    for endpoint, error in [
        ("http://push.example.com/x", "invalid_endpoint"),
        ("ftp://push.example.com/x", "invalid_endpoint"),
        ("https://user:secret@push.example.com/x", "invalid_endpoint"),
        ("not a url", "invalid_endpoint"),
        (too_long, "invalid_endpoint"),
        (12, "invalid_endpoint"),
        ("https://10.1.2.3/x", "endpoint_not_public"),
        ("https://172.16.0.9/x", "endpoint_not_public"),
        ("https://192.168.1.1/x", "endpoint_not_public"),
        ("https://169.254.169.254/latest/meta-data", "endpoint_not_public"),
        ("https://[fe80::1]/x", "endpoint_not_public"),
        ("https://[fd00::1]/x", "endpoint_not_public"),
        ("https://224.0.0.1/x", "endpoint_not_public"),
        ("https://0.0.0.0/x", "endpoint_not_public"),
    ]:
        assert refused(client, with_endpoint(browser, endpoint)) == (400, error), endpoint

    # This machine is accepted only where the setting allows it (tests, DEBUG): not in production.
    settings.CHAT = {**settings.CHAT, "PUSH_ALLOW_LOOPBACK": False}
    assert refused(client, browser.info()) == (400, "invalid_endpoint")  # http://127.0.0.1
    for endpoint in ("https://127.0.0.1/x", "https://[::1]/x", "https://localhost/x"):
        assert refused(client, with_endpoint(browser, endpoint)) == (400, "endpoint_not_public")


def test_malformed_or_oversized_keys_and_bodies_are_refused(alice, push):
    browser, client = push.subscribe(), signed_in(alice)
    good = browser.info()["keys"]
    off_curve = "BA" + "A" * 85  # 65 bytes starting 0x04, not a point of P-256
    for data in [
        with_keys(browser, p256dh=off_curve),
        with_keys(browser, p256dh=good["p256dh"][:-4]),
        with_keys(browser, p256dh=good["p256dh"] + "AAAA"),
        with_keys(browser, p256dh="x" * 10_000),
        with_keys(browser, p256dh="not base64!"),
        with_keys(browser, auth=good["auth"][:-2]),
        with_keys(browser, auth=good["auth"] + "AAAA"),
        with_keys(browser, auth=None),
    ]:
        assert refused(client, data) == (400, "invalid_keys"), data["keys"]
    assert refused(client, {"endpoint": browser.endpoint}) == (400, "invalid_subscription")
    assert refused(client, ["a list"]) == (400, "invalid_request")
    answer = client.post(SUBSCRIBE, b"{not json", content_type="application/json")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


def test_subscribing_takes_a_login_its_csrf_token_and_push_turned_on(alice, push, settings):
    browser = push.subscribe()
    assert refused(Client(), browser.info()) == (401, "unauthenticated")
    answer = signed_in(alice, enforce_csrf_checks=True).post(
        SUBSCRIBE, browser.info(), content_type="application/json"
    )
    assert answer.status_code == 403 and not PushSubscription.objects.exists()
    settings.VAPID_PRIVATE_KEY = ""
    assert refused(signed_in(alice), browser.info()) == (404, "push_disabled")


def test_a_user_keeps_the_newest_few_browsers(alice, push, settings):
    settings.CHAT = {**settings.CHAT, "PUSH_SUBSCRIPTIONS_PER_USER": 2}
    browsers = [subscribe(alice, push)[1] for _ in range(3)]
    kept = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert kept == {browsers[1].endpoint, browsers[2].endpoint}
    # The same browser subscribing again is one subscription, not two.
    client = signed_in(alice)
    client.post(SUBSCRIBE, browsers[2].info(), content_type="application/json")
    assert PushSubscription.objects.count() == 2
    answer = client.post(
        reverse("chat:push_unsubscribe"),
        {"endpoint": browsers[2].endpoint},
        content_type="application/json",
    )
    assert answer.json() == {"deleted": True}
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        browsers[1].endpoint
    ]


def test_logging_out_ends_the_browsers_subscription(alice, push):
    client, _ = subscribe(alice, push)
    other, _ = subscribe(alice, push)
    client.post(reverse("logout"))
    assert PushSubscription.objects.filter(user=alice).count() == 1
    other.post(reverse("logout_everywhere"))
    assert not PushSubscription.objects.exists()


async def test_a_revoked_login_is_not_pushed_and_its_subscription_goes(connect, alice, bob, push):
    """A password change sends no logout signal: the push thread finds the session dead."""
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")

    def change_password():
        bob.set_password("a new password")
        bob.save()

    await call(change_password)
    _, fresh = await call(subscribe, user=bob, service=push)
    message = await say(a, room, "@bob after the password change")
    (delivery,) = await sync_to_async(push.wait_for)(1)
    assert delivery.endpoint == fresh.endpoint and delivery.payload["seq"] == message["seq"]
    await sync_to_async(outbox.join)()
    endpoints = await call(
        lambda: list(PushSubscription.objects.values_list("endpoint", flat=True))
    )
    assert endpoints == [fresh.endpoint]
