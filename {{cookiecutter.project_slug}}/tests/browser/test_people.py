"""People on the chat page in a real Chromium: what notifications say, the first page of a new
user, the profile card, presence in the room list, and the directory of the Direct message
dialog.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import make_room, open_room, room_button
from tests.unit.test_notification_text import SENTENCES
from testservers.live import create_users

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# The module's server has the project's default room: its users all start in #general.
DEFAULT_ROOMS = "general"

# The contrast of a presence dot (its fill, or its ring) with the room list behind it.
CONTRAST = r"""node => {
  const style = getComputedStyle(node);
  const colour = style.backgroundColor === "rgba(0, 0, 0, 0)" ? style.borderTopColor
    : style.backgroundColor;
  let back = node.closest(".room-item"), behind = "rgba(0, 0, 0, 0)";
  while (back && (behind = getComputedStyle(back).backgroundColor) === "rgba(0, 0, 0, 0)") {
    back = back.parentElement;
  }
  const luminance = (text) => {
    const [r, g, b] = text.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [luminance(colour), luminance(behind)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


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


def test_a_direct_rooms_dot_follows_the_other_persons_presence(pages, chat_server):
    make_room(chat_server, "alice", "", ["carol"], kind="direct")
    alice = pages.login("alice")
    row = room_button(alice, "carol")
    dot = row.locator(".presence-dot")
    expect(row).to_have_accessible_description(re.compile(r"^offline"))
    expect(dot).to_have_attribute("data-presence", "offline")
    carol = pages.login("carol")
    expect(row).to_have_accessible_description(re.compile(r"^online"))
    expect(dot).to_have_attribute("data-presence", "online")
    # Not colour alone: a filled dot online, a ring offline; either 3:1 against the list.
    assert dot.evaluate(CONTRAST) >= 3
    alice.emulate_media(color_scheme="dark")
    assert dot.evaluate(CONTRAST) >= 3
    carol.close()
    expect(row).to_have_accessible_description(re.compile(r"^offline"))
    assert dot.evaluate("node => getComputedStyle(node).borderTopWidth") == "2px"
    for scheme in ("dark", "light"):
        alice.emulate_media(color_scheme=scheme)
        assert dot.evaluate(CONTRAST) >= 3, scheme


def test_the_profile_card_opens_from_the_member_list_and_starts_a_conversation(pages, chat_server):
    make_room(chat_server, "bob", "Crew", ["alice"])
    pages.login("bob")
    alice = pages.login("alice")
    open_room(alice, "Crew")
    alice.get_by_role("button", name="Details").click()
    members = alice.locator("#members-list")
    expect(members.locator(".presence-tag[data-user-id]").first).to_be_visible()
    name = members.get_by_role("button", name="bob", exact=True)
    name.click()
    card = alice.get_by_role("dialog", name="bob")
    expect(card).to_be_visible()
    expect(card.locator("#card-presence")).to_have_text("Online")
    expect(card.locator("#card-avatar")).to_have_text("B")
    assert card.evaluate("node => node.contains(document.activeElement)")
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        assert_accessible(alice, f"the profile card ({scheme})")
    alice.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(name).to_be_focused()
    expect(alice.locator("#details-dialog")).to_be_visible()

    name.click()
    card.get_by_role("button", name="Message bob").click()
    expect(card).to_be_hidden()
    expect(alice.locator("#details-dialog")).to_be_hidden()
    expect(alice.locator("#room-title")).to_have_text("@ bob")


TOKYO_NOW = """() => new Intl.DateTimeFormat(undefined, {
  hour: "2-digit", minute: "2-digit", timeZone: "Asia/Tokyo" }).format(new Date())"""


def test_the_profile_card_shows_a_profile_and_opens_from_the_page_wide_event(pages):
    """Any name on the page opens the card by dispatching chat:profile; a profile's display
    name, local time and status show when the server sends them."""
    alice = pages.login("alice")
    anchor = alice.get_by_role("button", name="Direct message")
    before = alice.evaluate(TOKYO_NOW)
    alice.evaluate(
        """async () => {
          const { rememberPerson } = await import(
            document.querySelector('link[href*="/app/people."]').href
          );
          rememberPerson({ id: 999, username: "zed", display_name: "Zed Zulu",
                           time_zone: "Asia/Tokyo", status: "On leave until Monday" });
          document.dispatchEvent(new CustomEvent("chat:profile", { detail: {
            userId: "999", username: "zed", anchor: document.getElementById("new-direct-button"),
          } }));
        }"""
    )
    card = alice.get_by_role("dialog", name="Zed Zulu")
    expect(card).to_be_visible()
    expect(card.locator("#card-username")).to_have_text("@zed")
    expect(card.locator("#card-avatar")).to_have_text("ZZ")
    # The card writes the time once, as it opens: a minute may turn between the two reads.
    times = "|".join(re.escape(now) for now in (before, alice.evaluate(TOKYO_NOW)))
    expect(card.locator("#card-time")).to_have_text(re.compile(f"^({times}) local time$"))
    expect(card.locator("#card-status")).to_have_text("On leave until Monday")
    expect(card.locator("#card-presence")).to_be_hidden()  # zed shares no room with alice
    assert_accessible(alice, "a profile card with a profile")
    card.get_by_role("button", name="Close").click()
    expect(card).to_be_hidden()
    expect(anchor).to_be_focused()
