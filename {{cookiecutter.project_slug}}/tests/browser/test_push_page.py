"""The installable app in a real Chromium: its manifest and icons, its service worker showing
a push and opening the room at the message, and the page opening offline.

Headless Chromium has no push service to subscribe with, so the worker's push handler is
driven as the browser would drive it on a push: through the DevTools protocol
(ServiceWorker.deliverPushMessage), with the JSON the server sends (chat/push/sender.py). What
it shows is read in the worker (self.registration.getNotifications()); the click is the
worker's own handler (self.openNotification), which a notificationclick calls.
"""

import io
import json
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from chat.management.commands.vapid_keys import new_pair
from tests.browser.a11y import assert_accessible
from tests.browser.test_chat_page import make_room, open_room, seed, send
from testservers.push import PushService

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PUBLIC_KEY, PRIVATE_KEY = new_pair()
SERVER_ENV = {
    "VAPID_PUBLIC_KEY": PUBLIC_KEY,
    "VAPID_PRIVATE_KEY": PRIVATE_KEY,
    # The test's push service listens on loopback (testservers/push.py).
    "CHAT_PUSH_ALLOW_LOOPBACK": "true",
}

# Headless Chromium has no push service: the page's PushManager hands out the subscription of
# a browser the test's push service made (window.testPushInfo), as a real one would; and the
# tab's visibility is the test's to turn (headless tabs are always visible).
STUBS = """
(() => {
  let subscription = null;
  PushManager.prototype.getSubscription = async () => subscription;
  PushManager.prototype.subscribe = async (options) => {
    const info = window.testPushInfo;
    subscription = {
      endpoint: info.endpoint,
      options: { applicationServerKey: options.applicationServerKey },
      toJSON: () => info,
      unsubscribe: async () => { subscription = null; return true; },
    };
    return subscription;
  };
  let hidden = false;
  Object.defineProperty(document, "visibilityState", {
    get: () => (hidden ? "hidden" : "visible"),
  });
  window.setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


def until(page, target, expression, tries=100, fail=True):
    """Poll ``expression`` (it may return a promise) in ``target``, the page or its worker,
    every 0.1 s until it is truthy; return its value (or, without ``fail``, the last one).
    Evaluated through the DevTools protocol: the page's CSP forbids the string evaluation
    wait_for_function falls back to."""
    for _ in range(tries):
        if value := target.evaluate(expression):
            return value
        page.wait_for_timeout(100)
    assert not fail, f"never true: {expression}"
    return value


def worker_of(page):
    """The page's service worker, once it controls the page."""
    until(page, page, "navigator.serviceWorker.controller !== null")
    workers = page.context.service_workers
    return workers[0] if workers else page.context.wait_for_event("serviceworker")


def test_the_manifest_is_linked_and_valid_with_icons_drawn_for_the_site(pages, chat_server):
    bob = pages.login("bob")
    href = bob.locator('link[rel="manifest"]').get_attribute("href")
    answer = bob.request.get(href)
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["name"] == "Team Chat" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    purposes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(bob.request.get(icon["src"]).body()))
        assert (image.format, f"{image.width}x{image.height}") == ("PNG", icon["sizes"])
        purposes.add(icon["purpose"])
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    # Both colour schemes colour the browser's title bar as the page.
    assert bob.locator('meta[name="theme-color"]').count() == 2
    # The device's button is in the settings (Web Push is on), and nothing was asked on load.
    bob.locator("#settings-button").click()
    expect(bob.locator("#push-button")).to_have_text("Notify me on this device")
    expect(bob.locator("#push-notifications")).to_be_visible()
    assert bob.evaluate("Notification.permission") == "default"
    # The switches beside it share the sidebar's checkbox style; the button is this page's.
    assert_accessible(bob, "the device's push button", include="#push-button")


def test_the_worker_shows_a_push_and_its_click_opens_the_room_at_the_message(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Launch", ["bob"], messages=[("alice", "@bob go")])
    bob = pages.login("bob")
    bob.context.grant_permissions(["notifications"], origin=chat_server.url)
    worker = worker_of(bob)
    assert worker.url == f"{chat_server.url}/sw.js"

    devtools = bob.context.new_cdp_session(bob)
    registrations = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    bob.wait_for_timeout(0)  # let the registration events arrive
    scope = f"{chat_server.url}/"
    for _ in range(50):
        if any(r["scopeURL"] == scope for r in registrations):
            break
        bob.wait_for_timeout(100)
    (registration,) = [r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]]
    push = {
        "title": "alice mentioned you in #Launch",
        "body": "",
        "kind": "mention",
        "room_id": room_id,
        "seq": 1,
        "url": f"/rooms/{room_id}/messages/1/",
        "tag": f"chat-{room_id}-1",
    }
    shown = """self.registration.getNotifications().then((all) =>
        all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url })))"""
    # Chromium drops a push the DevTools protocol delivers while the worker is still starting
    # (seen once in a few runs on a loaded machine): deliver it again until one shows. The tag
    # is the same, so a second one would replace the first, never add to it.
    for _ in range(5):
        devtools.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": chat_server.url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(push),
            },
        )
        notifications = until(bob, worker, shown, tries=30, fail=False)
        if notifications:
            break
    assert notifications == [
        {"title": push["title"], "body": "", "tag": push["tag"], "url": push["url"]}
    ]

    # The link's page takes the chat's own address once it has the room open (permalinks.js),
    # so what shows the click worked is the navigation to the link, caught as it commits.
    link = f"{chat_server.url}/rooms/{room_id}/messages/1/"
    with bob.expect_event("framenavigated", lambda frame: frame.url == link):
        worker.evaluate(
            "self.registration.getNotifications().then(([n]) => self.openNotification(n))"
        )
    expect(bob).to_have_url(f"{chat_server.url}/#room/{room_id}")
    expect(bob.locator("#room-title")).to_contain_text("Launch")
    expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
    assert worker.evaluate(shown) == []  # the click closed it


def test_the_page_opens_offline_from_the_kept_shell_and_says_so(pages, chat_server):
    bob = pages.login("bob")
    worker_of(bob)
    until(
        bob,
        bob,
        """caches.open("chat-shell-v1").then((cache) => cache.keys())
             .then((kept) => kept.some((r) => new URL(r.url).pathname === "/")
                          && kept.some((r) => r.url.endsWith(".js")))""",
    )
    expect(bob.locator("#offline")).to_be_hidden()
    bob.context.set_offline(True)
    bob.reload()
    expect(bob.locator("#offline")).to_be_visible()
    expect(bob.locator("#offline")).to_contain_text("You are offline")
    assert_accessible(bob, "the page opened offline", include="#offline")
    expect(bob.locator("#rooms-heading")).to_be_visible()
    bob.context.set_offline(False)
    expect(bob.locator("#offline")).to_be_hidden()


def until_in_view(server, count):
    """Wait until the server records ``count`` of bob's sockets as in view (session.visibility
    travels on its own; each look is a process of its own, about a second)."""
    for _ in range(30):
        counted = seed(
            server,
            """
            from chat.models import ChatSession
            rows = ChatSession.objects.filter(user__username="bob").exclude(visible_session="")
            print(rows.count())
            """,
        )
        if int(counted.split()[-1]) == count:
            return
    raise AssertionError(f"bob's sockets in view never came to {count}")


def test_the_button_subscribes_this_browser_and_pushes_skip_it_while_its_page_shows(
    pages, chat_server
):
    make_room(chat_server, "alice", "Rollout", ["bob"])
    with PushService() as service:
        service.vapid_key = PUBLIC_KEY
        browser = service.subscribe()
        bob = pages.login("bob")
        bob.context.grant_permissions(["notifications"], origin=chat_server.url)
        bob.add_init_script(STUBS)
        bob.reload()
        expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
        bob.evaluate("(info) => { window.testPushInfo = info; }", browser.info())
        bob.locator("#settings-button").click()
        bob.locator("#push-button").click()
        expect(bob.locator("#push-button")).to_have_text("Stop notifying this device")
        bob.keyboard.press("Escape")  # the settings dialog closes
        alice = pages.login("alice")
        open_room(alice, "Rollout")

        bob.evaluate("setHidden(true)")
        until_in_view(chat_server, 0)
        send(alice, "@bob the launch is on")
        (delivery,) = service.wait_for(1, timeout=20)
        assert delivery.endpoint == browser.endpoint
        assert delivery.payload["title"] == "alice mentioned you in #Rollout"
        assert delivery.payload["body"] == ""

        # Bob's phone, signed in too, hears everything: it shows when each push was handled.
        phone = service.subscribe()
        seed(
            chat_server,
            f"""
            from django.test import Client
            from chat.push import subscriptions
            client = Client()
            client.force_login(users["bob"])
            subscriptions.subscribe(
                user=users["bob"], session_key=client.session.session_key, data={phone.info()!r}
            )
            """,
        )
        bob.evaluate("setHidden(false)")
        until_in_view(chat_server, 1)
        send(alice, "@bob while you look")
        send(alice, "@bob and again")
        pushed = service.wait_for(3, timeout=20)
        assert [(d.endpoint, d.payload["seq"]) for d in pushed[1:]] == [
            (phone.endpoint, 2),
            (phone.endpoint, 3),
        ]
        assert service.refusals == []
