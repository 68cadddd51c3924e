"""A user who never touches the mouse: from the login form to a search result, in a real
Chromium against a real server, with where focus is asserted after each step.

The message list's own keys and every action of a message are test_message_keyboard.py's;
each dialog's first focus and Escape are test_accessibility.py's and test_shortcuts.py's.
This test joins them into one journey: log in, jump to a room, send, reach the list, act on
a message, search and open the result.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import body, make_room
from tests.browser.test_message_keyboard import active, assert_active, press
from testservers.live import create_users

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def tab_to(page, expected, backwards=False, limit=40):
    """Press Tab (Shift+Tab ``backwards``) until ``expected`` (as test_message_keyboard.active
    names it) has focus: it is reachable from the keyboard, in the page's Tab order."""
    seen = []
    for _ in range(limit):
        press(page, "Shift+Tab" if backwards else "Tab")
        seen.append(active(page))
        if seen[-1] == expected:
            return
    raise AssertionError(f"{expected!r} not reached with Tab; reached {seen}")


def test_from_the_login_form_to_a_search_result_by_keyboard(pages, chat_server):
    # A user of the test's own: other tests' wrong passwords for the shared users count
    # towards their lockout, and this one logs in through the form.
    create_users(chat_server.env, "keys", password=PASSWORD)
    make_room(chat_server, "keys", "Quiet room", ["bob"])
    make_room(
        chat_server, "keys", "Keyboard club", ["bob"],
        messages=[("bob", "Welcome to the keyboard club"), ("bob", "Shortcuts beat menus")],
    )  # fmt: skip
    page = pages.open("keyboard")
    page.goto("/")

    # Log in: the form's fields in Tab order, Enter submits.
    tab_to(page, "input: id_login")
    page.keyboard.type("keys")
    press(page, "Tab")
    assert_active(page, "input: id_password")
    page.keyboard.type(PASSWORD)
    press(page, "Enter")
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")
    expect(page.locator("#room-list")).to_contain_text("Keyboard club")

    # Jump to the room by typing part of its name; the composer takes focus.
    press(page, "Control+K")
    assert_active(page, "combobox: switcher-input")
    page.keyboard.type("keyb")
    expect(page.get_by_role("option")).to_have_count(1)
    press(page, "Enter")
    expect(page.locator("#room-title")).to_contain_text("Keyboard club")
    assert_active(page, "textarea: composer-input")

    # Send: Enter; the composer keeps focus for the next message.
    page.keyboard.type("Typed without a mouse")
    press(page, "Enter")
    expect(body(page, "Typed without a mouse")).to_be_visible()
    assert_active(page, "textarea: composer-input")

    # The list is one Tab stop back from the composer (its message, then that message's own
    # controls before it); End goes to the newest, Up moves.
    tab_to(page, "message: Shortcuts beat menus", backwards=True)
    press(page, "End")
    assert_active(page, "message: Typed without a mouse")
    press(page, "ArrowUp")
    assert_active(page, "message: Shortcuts beat menus")
    # React from its menu; focus comes back to the message.
    press(page, "Enter", "ArrowDown", "ArrowDown")
    assert_active(page, "menuitem: React")
    press(page, "Enter")
    page.keyboard.type("thumbs up")
    # Enter picks the first match once the emoji's names (fetched on first use) are in.
    expect(page.locator('#emoji-options [role="option"][data-emoji="👍"]')).to_be_visible()
    press(page, "Enter")
    assert_active(page, "message: Shortcuts beat menus")

    # Search: "/" focuses the box, Enter searches, Tab reaches the result, Enter opens it at
    # the message, which has focus.
    press(page, "/")
    assert_active(page, "input: search-input")
    page.keyboard.type("welcome")
    press(page, "Enter")
    results = page.locator("#search-results .search-open")
    expect(results).to_have_count(1)
    tab_to(page, active_of(results.first))
    press(page, "Enter")
    assert_active(page, "message: Welcome to the keyboard club")

    # The list of shortcuts: "?" opens it at its heading; Escape returns to the message.
    press(page, "?")
    assert_active(page, "h2: Keyboard shortcuts")
    press(page, "Escape")
    assert_active(page, "message: Welcome to the keyboard club")


def active_of(locator):
    """How test_message_keyboard.active names ``locator``'s element once it has focus."""
    return locator.evaluate(
        """node => {
            const role = node.getAttribute("role") || node.tagName.toLowerCase();
            const name = node.getAttribute("aria-label") || node.textContent.trim() || node.id;
            return `${role}: ${name}`;
        }"""
    )
