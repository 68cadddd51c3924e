"""The keyboard in a real Chromium: Escape closes every panel and gives focus back to what
opened it, the shortcuts (Ctrl/Cmd+K, Alt+Shift+Down/Up, /, ?, Up in an empty composer) and
their help dialog, and the settings in a dialog of their own."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import (
    body,
    choose_action,
    make_room,
    message,
    open_room,
    post_messages,
    room_button,
    send,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def seeded(chat_server):
    """Three rooms of alice's, each with a message she has not read, one of them a thread."""
    make_room(chat_server, "bob", "Alpha", ["alice"], messages=[("bob", "alpha news")])
    make_room(chat_server, "carol", "Bravo", ["alice", "bob"], messages=[("carol", "bravo news")])
    make_room(chat_server, "bob", "Charlie", ["alice"], messages=[("bob", "charlie news")])
    return chat_server


def names_on_the_list(page):
    return page.locator("#room-list .room-name").all_inner_texts()


def test_escape_closes_each_panel_and_focus_returns_to_its_opener(pages, seeded):
    alice = pages.login("alice")
    for toggle_id, panel_id in (
        ("#notifications-button", "#notifications-panel"),
        ("#threads-button", "#threads-panel"),
    ):
        toggle, panel = alice.locator(toggle_id), alice.locator(panel_id)
        toggle.focus()
        alice.keyboard.press("Enter")
        expect(panel).to_be_visible()
        alice.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()

    search = alice.locator("#search-input")
    search.fill("bravo")
    search.press("Enter")
    result = alice.locator("#search-results .search-open")
    expect(result).to_have_count(1)
    result.focus()
    alice.keyboard.press("Escape")
    expect(alice.locator("#search-panel")).to_be_hidden()
    expect(search).to_be_focused()

    open_room(alice, "Bravo")
    composer = alice.locator("#composer-input")
    composer.fill("@b")
    composer.press_sequentially("o")
    suggestions = alice.locator("#mention-suggestions")
    expect(suggestions.get_by_role("option")).to_have_text(["@bob"])
    composer.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(composer).to_be_focused()
    expect(composer).to_have_value("@bo")
    composer.fill("")

    bravo = message(alice, "bravo news")
    choose_action(bravo, "Reply in thread")
    expect(alice.locator("#thread-panel")).to_be_visible()
    expect(alice.locator("#thread-input")).to_be_focused()
    alice.keyboard.press("Escape")
    expect(alice.locator("#thread-panel")).to_be_hidden()
    expect(bravo).to_be_focused()  # the message the thread was opened from


def test_ctrl_k_jumps_to_a_room_by_typing_part_of_its_name(pages, seeded):
    alice = pages.login("alice")
    open_room(alice, "Alpha")
    alice.locator("#composer-input").press("Control+K")  # even while typing
    switcher = alice.get_by_role("dialog", name="Jump to a room")
    field = switcher.get_by_role("combobox", name="Room name")
    expect(field).to_be_focused()
    expect(switcher.get_by_role("option")).to_have_count(3)
    field.press_sequentially("r")  # bRavo, chaRlie: both hold an r
    options = switcher.get_by_role("option")
    expect(options).to_have_count(2)
    first, second = options.all()
    expect(first).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    field.press("ArrowDown")
    expect(second).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    chosen = second.locator(".room-name").inner_text()
    field.press("Enter")
    expect(switcher).to_be_hidden()
    expect(alice.locator("#room-title")).to_contain_text(chosen)

    alice.keyboard.press("Control+K")
    field.press_sequentially("zzz")
    expect(switcher.get_by_text("No room matches.")).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "false")
    field.press("Escape")
    expect(switcher).to_be_hidden()


def test_alt_shift_arrows_open_the_next_and_previous_unread_rooms(pages, seeded, chat_server):
    # Fresh messages, so each room is unread again whatever the tests before did.
    alice = pages.login("alice")
    made = {
        name: make_room(chat_server, "bob", name, ["alice"])
        for name in ("Delta", "Echo", "Foxtrot")
    }
    for name, room_id in made.items():
        expect(room_button(alice, name)).to_be_visible()
        post_messages(chat_server, room_id, [("bob", f"{name} news")])
        expect(room_button(alice, name).locator(".unread-badge")).to_be_visible()
    names = names_on_the_list(alice)[:3]  # the three newest, the liveliest first
    alice.locator("#search-input").focus()  # the chords work in a field too
    alice.keyboard.press("Alt+Shift+ArrowDown")
    expect(alice.locator("#room-title")).to_contain_text(names[0])
    expect(room_button(alice, names[0]).locator(".unread-badge")).to_be_hidden()
    alice.keyboard.press("Alt+Shift+ArrowDown")
    expect(alice.locator("#room-title")).to_contain_text(names[1])
    expect(room_button(alice, names[1]).locator(".unread-badge")).to_be_hidden()
    # Up from the second: the first is read now, so the nearest unread room above is the
    # last unread one, going round from the list's end.
    unread = alice.locator("#room-list .room-item.has-unread .room-name").all_inner_texts()
    alice.keyboard.press("Alt+Shift+ArrowUp")
    expect(alice.locator("#room-title")).to_contain_text(unread[-1])


def test_slash_and_question_mark_act_only_when_not_typing(pages, seeded):
    alice = pages.login("alice")
    open_room(alice, "Charlie")
    composer = alice.locator("#composer-input")
    composer.press_sequentially("a/b?")
    expect(composer).to_have_value("a/b?")
    expect(alice.get_by_role("dialog")).to_have_count(0)
    composer.fill("")

    alice.locator("#details-button").focus()
    alice.keyboard.press("/")
    search = alice.locator("#search-input")
    expect(search).to_be_focused()
    expect(search).to_have_value("")
    search.press_sequentially("?")  # typed into the search box, not a shortcut
    expect(search).to_have_value("?")
    expect(alice.get_by_role("dialog")).to_have_count(0)

    opener = room_button(alice, "Charlie")
    opener.focus()
    alice.keyboard.press("?")
    help_dialog = alice.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    for listed in (
        "Jump to a room",
        "Next / previous room with unread messages",
        "Search messages",
        "Edit your last message",
        "Previous / next message",
        "Page Up",
        "Home",
        "The message's actions",
    ):
        expect(help_dialog).to_contain_text(listed)
    alice.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    expect(opener).to_be_focused()
    alice.get_by_role("button", name="Keyboard shortcuts").click()
    expect(help_dialog).to_be_visible()


def test_up_in_an_empty_composer_edits_my_last_message(pages, seeded):
    alice = pages.login("alice")
    open_room(alice, "Alpha")
    send(alice, "first draft")
    expect(body(alice, "first draft")).to_be_visible()
    composer = alice.locator("#composer-input")
    composer.press("ArrowUp")
    expect(alice.locator("#composer-context")).to_contain_text("Editing your message")
    expect(composer).to_have_value("first draft")
    composer.fill("final text")
    composer.press("Enter")
    expect(message(alice, "final text")).to_contain_text("edited")


def test_the_settings_live_in_a_dialog_and_hold(pages, seeded):
    alice = pages.login("alice")
    with alice.expect_websocket() as opened:
        alice.reload()
    socket = opened.value
    expect(alice.locator("#chat")).to_have_attribute("data-connection", "open")
    sidebar = alice.get_by_role("navigation", name="Rooms")
    expect(sidebar.get_by_role("checkbox")).to_have_count(0)
    opener = alice.get_by_role("button", name="Settings")
    opener.click()
    settings = alice.get_by_role("dialog", name="Settings")
    expect(settings.get_by_role("checkbox", name="Share read receipts")).to_be_checked()
    digests = settings.get_by_role("checkbox", name="Email me what I miss")
    expect(digests).to_be_checked()
    with socket.expect_event("framereceived", lambda frame: "settings.update" in frame):
        digests.uncheck()
    alice.keyboard.press("Escape")
    expect(opener).to_be_focused()
    alice.reload()
    expect(alice.locator("#chat")).to_have_attribute("data-connection", "open")
    alice.get_by_role("button", name="Settings").click()
    expect(settings.get_by_role("checkbox", name="Email me what I miss")).not_to_be_checked()
    settings.get_by_role("checkbox", name="Email me what I miss").check()
    expect(settings.get_by_role("checkbox", name="Email me what I miss")).to_be_checked()
