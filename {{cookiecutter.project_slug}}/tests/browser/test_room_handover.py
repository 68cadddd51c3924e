"""A room whose owner leaves, in a real Chromium: the member who takes it over may act as its
admin on the page they already have open, without a reload."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import make_room, open_room

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def details(page):
    page.get_by_role("button", name="Details", exact=True).click()
    dialog = page.get_by_role("dialog", name="Team")
    expect(dialog).to_be_visible()
    return dialog


def test_the_member_who_takes_over_a_room_may_post_and_manage_it_at_once(pages, chat_server):
    # Only admins post here: alice, until she leaves.
    make_room(chat_server, "alice", "Team", ["bob", "carol"], posting_locked=True)
    bob = pages.login("bob")
    open_room(bob, "Team")
    composer = bob.locator("#composer-input")
    expect(composer).to_be_disabled()
    expect(composer).to_have_attribute("placeholder", "Only admins can post in this group")

    alice = pages.login("alice")
    open_room(alice, "Team")
    details(alice).get_by_role("button", name="Leave room").click()
    ask = alice.get_by_role("dialog", name="Leave this room?")
    ask.get_by_role("button", name="Leave room").click()
    expect(alice.locator("#room-list .room-item", has_text="Team")).to_have_count(0)

    # bob joined before carol: the room is his, and the page he has open knows it.
    expect(composer).to_be_enabled()
    composer.fill("Mine now")
    composer.press("Enter")
    expect(bob.locator("#messages").get_by_text("Mine now")).to_be_visible()
    bobs = details(bob)
    expect(bobs.get_by_role("button", name="Remove carol")).to_be_visible()
    assert not pages.page_errors and not pages.csp_violations()
