"""Receipts in a real Chromium: ticks that turn from sent to delivered to seen, and the
switch that stops sharing reads."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import make_room, message, open_room, send

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def tick(page, text):
    return message(page, text).locator(".msg-receipt")


def test_alices_ticks_follow_bob_from_delivered_to_seen(pages, chat_server):
    make_room(chat_server, "alice", "", ["bob"], kind="direct")
    alice = pages.login("alice")
    open_room(alice, "bob")
    send(alice, "Lunch at noon?")
    # Stored, and no device of Bob's has it: one tick.
    expect(tick(alice, "Lunch at noon?")).to_have_text("✓")
    expect(tick(alice, "Lunch at noon?")).to_have_attribute("title", "Sent")

    # Bob's page is open on his room list: his device has the next message, not his eyes.
    bob = pages.login("bob")
    send(alice, "Or one?")
    expect(tick(alice, "Or one?")).to_have_text("✓✓")
    expect(tick(alice, "Or one?")).to_have_attribute("title", "Delivered")
    expect(tick(alice, "Or one?")).not_to_have_class("msg-receipt read")

    # He opens the room and reads both.
    open_room(bob, "alice")
    for text in ("Lunch at noon?", "Or one?"):
        expect(tick(alice, text)).to_have_class("msg-receipt read")
        expect(tick(alice, text)).to_have_attribute("title", "Seen by bob")
    expect(message(bob, "Or one?").locator(".msg-receipt")).to_have_count(0)  # not his

    # Bob stops sharing reads, in his settings: Alice's next message shows delivered, never seen.
    settings = open_settings(bob)
    settings.get_by_label("Share read receipts").uncheck()
    expect(settings.get_by_label("Share read receipts")).not_to_be_checked()
    settings.get_by_role("button", name="Close").click()
    send(alice, "Noon it is")
    expect(message(bob, "Noon it is")).to_be_visible()  # shown in his open room: read
    expect(tick(alice, "Noon it is")).to_have_attribute("title", "Delivered")
    expect(tick(alice, "Noon it is")).not_to_have_class("msg-receipt read")
    # Reloaded, the room shows Alice none of Bob's reads now, the old ones included.
    alice.reload()
    open_room(alice, "bob")
    expect(tick(alice, "Lunch at noon?")).to_have_attribute("title", "Delivered")

    # The setting holds after a reload.
    bob.reload()
    expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
    expect(open_settings(bob).get_by_label("Share read receipts")).not_to_be_checked()


def open_settings(page):
    """The Settings dialog, opened from the sidebar's button."""
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog).to_be_visible()
    return dialog
