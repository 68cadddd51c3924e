"""People on the chat page in a real Chromium: what notifications say, the first page of a new
user, the profile card, presence in the room list, and the directory of the Direct message
dialog.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import room_button
from tests.unit.test_notification_text import SENTENCES
from testservers.live import create_users

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# The module's server has the project's default room: its users all start in #general.
DEFAULT_ROOMS = "general"


def test_the_page_says_what_a_notification_says_in_the_digests(pages):
    """The panel and the browser notifications (app/notification-text.js) say what digest
    emails say (chat/notification_text.py), sentence for sentence."""
    alice = pages.login("alice")
    said = alice.evaluate(
        """async (cases) => {
          const { notificationTitle } = await import(
            document.querySelector('link[href*="/app/notification-text."]').href
          );
          return cases.map(([kind, roomKind, name]) =>
            notificationTitle(kind, "bob", { id: 1, kind: roomKind, name })
          );
        }""",
        [list(case[:3]) for case in SENTENCES],
    )
    assert said == [case[3] for case in SENTENCES]


def test_a_new_users_first_page_shows_general_open(pages, chat_server):
    create_users(chat_server.env, "dave", password=PASSWORD)
    dave = pages.login("dave")
    expect(dave.locator("#room-pane")).to_be_visible()
    expect(dave.locator("#room-title")).to_have_text("# general")
    expect(room_button(dave, "general")).to_have_attribute("aria-current", "true")
    expect(dave.locator("#no-room")).to_be_hidden()


def test_the_direct_message_dialog_finds_people_as_one_types(pages):
    alice = pages.login("alice")
    alice.get_by_role("button", name="Direct message").click()
    dialog = alice.locator("#direct-dialog")
    field = dialog.get_by_role("combobox", name="Username")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-expanded", "false")
    field.press_sequentially("B")
    people = dialog.get_by_role("listbox", name="People")
    expect(people.get_by_role("option")).to_have_text(["bob"])
    expect(field).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_role("status")).to_have_text("1 person found")
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        assert_accessible(alice, f"the Direct message dialog's directory ({scheme})")
    # Escape closes the list and leaves the dialog open; a second one closes the dialog.
    field.press("Escape")
    expect(people).to_be_hidden()
    expect(dialog).to_be_visible()
    field.press("Escape")
    expect(dialog).to_be_hidden()

    alice.get_by_role("button", name="Direct message").click()
    field.press_sequentially("ca")
    expect(people.get_by_role("option")).to_have_text(["carol"])
    field.press("ArrowDown")
    option = people.get_by_role("option", name="carol")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    field.press("Enter")
    expect(dialog).to_be_hidden()
    expect(alice.locator("#room-title")).to_have_text("@ carol")
    expect(room_button(alice, "carol")).to_have_attribute("aria-current", "true")
