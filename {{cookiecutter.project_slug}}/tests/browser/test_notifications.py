"""Mentions and notifications in a real Chromium: the browser notification of a hidden tab,
the unread list and badges, and the message opened in context.

Headless Chromium shows no notification on a screen and keeps every tab visible, so Bob's page
gets two shims before its scripts run: the real Notification constructor, wrapped to record
what the page shows, and a visibilityState the test can turn to "hidden" (firing the same
visibilitychange event a browser fires).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import make_room, message, open_room, room_button, send

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SHIMS = """
(() => {
  const Real = window.Notification;
  window.shownNotifications = [];
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.shownNotifications.push({ title, body: options && options.body });
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
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


def test_bob_hidden_tab_gets_a_browser_notification_and_lands_on_the_message(pages, chat_server):
    make_room(chat_server, "alice", "Launch", ["bob", "carol"])
    make_room(chat_server, "alice", "", ["bob"], kind="direct")
    bob = pages.login("bob")
    bob.context.grant_permissions(["notifications"], origin=chat_server.url)
    bob.add_init_script(SHIMS)
    bob.reload()
    expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
    alice = pages.login("alice")
    open_room(alice, "Launch")

    bob.evaluate("setHidden(true)")
    send(alice, "Morning all")  # mentions no one: no notification
    # Alice picks Bob's name from the composer's suggestions.
    composer = alice.locator("#composer-input")
    composer.fill("@b")
    composer.press_sequentially("o")
    suggestions = alice.locator("#mention-suggestions")
    expect(suggestions.get_by_role("option")).to_have_text(["@bob"])
    composer.press("Enter")  # picks the name, does not send
    expect(composer).to_have_value("@bob ")
    composer.press_sequentially("can you review the launch notes?")
    expect(suggestions).to_be_hidden()
    composer.press("Enter")
    bob.wait_for_function("() => window.shownNotifications.length > 0")
    assert bob.evaluate("window.shownNotifications") == [
        {"title": "alice mentioned you in Launch", "body": "@bob can you review the launch notes?"}
    ]

    # Back on the tab: the room shows the mention beside its unread count, the list has it.
    bob.evaluate("setHidden(false)")
    expect(room_button(bob, "Launch").locator(".mention-badge")).to_have_text("@1")
    expect(room_button(bob, "Launch").locator(".unread-badge")).to_have_text("2")
    expect(bob.locator("#notifications-count")).to_have_text("1")
    notifications = bob.get_by_role("button", name="Notifications 1")
    expect(notifications).to_have_accessible_description("1 unread")
    notifications.click()
    bob.locator("#notifications-list").get_by_text("alice mentioned you in Launch").click()

    # The room opens at the message, the @name marked; reading it clears both badges.
    mention = message(bob, "@bob can you review the launch notes?")
    expect(mention).to_be_in_viewport()
    expect(mention.locator("span.mention.mention-me")).to_have_text("@bob")
    expect(bob.locator("#notifications-count")).to_be_hidden()
    expect(room_button(bob, "Launch").locator(".mention-badge")).to_be_hidden()
    expect(bob.locator("#notifications-empty")).to_be_visible()

    # A direct message pops up too: its room's unread count is its record.
    bob.evaluate("setHidden(true)")
    open_room(alice, "bob")
    send(alice, "Lunch after?")
    bob.wait_for_function("() => window.shownNotifications.length > 1")
    assert bob.evaluate("window.shownNotifications[1]") == {
        "title": "alice sent you a direct message",
        "body": "Lunch after?",
    }
