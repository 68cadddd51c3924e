"""The message list from the keyboard alone, in a real Chromium against a real server.

The list is one Tab stop (an ARIA feed of articles with a roving tabindex); the arrows, Page
Up/Down and Home/End move between messages; Enter (or Shift+F10) opens a message's "More
actions" menu; and after each action focus is where the user expects it: the composer for a
reply or an edit (Escape returns to the message), the message again after a reaction, a
report or a forward, the neighbouring message after a deletion. Every step asserts
document.activeElement.
"""

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.pages import PHONE
from tests.browser.test_chat_page import body, make_room, message, open_room, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

# What has focus: "message: <its text>", or "<role>: <name>" for anything else.
ACTIVE = """() => {
  const node = document.activeElement;
  if (node.matches("#messages > .msg")) {
    return `message: ${node.querySelector(".msg-body")?.textContent ?? ""}`;
  }
  const role = node.getAttribute("role") || node.tagName.toLowerCase();
  return `${role}: ${node.getAttribute("aria-label") || node.textContent.trim() || node.id}`;
}"""

TEXTS = ["First from bob", "Mine to edit", "Second from bob", "Mine to delete", "Last from bob"]


def active(page):
    return page.evaluate(ACTIVE)


def assert_active(page, expected):
    """Wait until ``expected`` has focus (some moves wait for a reply); fail naming what has."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"expected => ({ACTIVE})() === expected", arg=expected)
    assert active(page) == expected


def press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def menu(page):
    return page.get_by_role("menu", name="Message actions")


def tab_into_list(page):
    """Tab from the room's Details button: the next Tab stop is the list's current message."""
    page.get_by_role("button", name="Details").focus()
    press(page, "Tab")


def room_with_five_messages(chat_server, page, name):
    senders = ["bob", "alice", "bob", "alice", "bob"]
    make_room(chat_server, "alice", name, ["bob"], messages=list(zip(senders, TEXTS, strict=True)))
    open_room(page, name)
    expect(body(page, "Last from bob")).to_be_visible()


def test_the_list_is_one_tab_stop_walked_with_arrows_home_and_end(pages, chat_server):
    alice = pages.login("alice")
    room_with_five_messages(chat_server, alice, "Tab stop")
    feed = alice.get_by_role("feed", name="Messages")
    expect(feed).not_to_have_attribute("aria-live", re.compile(".*"))
    expect(feed).not_to_have_attribute("aria-busy", "true")
    # One Tab stop: the newest message; no other message or control of one is tabbable.
    assert feed.locator('.msg[tabindex="0"]').count() == 1
    untabbable = alice.locator(
        '#messages > .msg[tabindex="-1"] :is(a[href], button):not([tabindex="-1"])'
    )
    expect(untabbable).to_have_count(0)

    tab_into_list(alice)
    assert_active(alice, "message: Last from bob")
    # Named by sender, time and text, never by its buttons; its place in the feed is known.
    last = message(alice, "Last from bob")
    expect(
        alice.get_by_role("article", name=re.compile(r"^bob \S.* Last from bob$"))
    ).to_be_focused()
    expect(last).to_have_attribute("aria-posinset", "5")
    expect(last).to_have_attribute("aria-setsize", "5")

    press(alice, "ArrowUp")
    assert_active(alice, "message: Mine to delete")
    press(alice, "ArrowUp", "ArrowUp")
    assert_active(alice, "message: Mine to edit")
    press(alice, "Home")
    assert_active(alice, "message: First from bob")
    press(alice, "ArrowUp")  # the first stays the first
    assert_active(alice, "message: First from bob")
    press(alice, "End")
    assert_active(alice, "message: Last from bob")
    press(alice, "PageUp")  # all five fit in a screen: a screenful up is the first
    assert_active(alice, "message: First from bob")
    press(alice, "PageDown")
    assert_active(alice, "message: Last from bob")

    # The list remembers its place: Tab away and back lands on the same message.
    press(alice, "ArrowUp", "ArrowUp")
    tab_into_list(alice)
    assert_active(alice, "message: Second from bob")

    # Tab from a message walks its own controls: the sender's name, then its menu button;
    # Escape goes back to the message.
    press(alice, "Tab")
    assert_active(alice, "button: bob")
    press(alice, "Tab")
    assert_active(alice, "button: More actions")
    press(alice, "Escape")
    assert_active(alice, "message: Second from bob")

    # The sender's name asks for their profile card (the page's chat:profile event).
    alice.evaluate(
        """() => document.addEventListener("chat:profile", (event) => {
            window.profileAsked = { ...event.detail, anchor: event.detail.anchor.textContent };
        })"""
    )
    press(alice, "Tab", "Enter")
    asked = alice.evaluate("window.profileAsked")
    assert asked["username"] == "bob" and asked["anchor"] == "bob" and asked["userId"] > 0


def test_every_action_from_the_keyboard_and_where_focus_goes(pages, chat_server):
    alice = pages.login("alice")
    room_with_five_messages(chat_server, alice, "Actions")
    tab_into_list(alice)
    press(alice, "ArrowUp", "ArrowUp")
    assert_active(alice, "message: Second from bob")

    # Enter opens the menu on its first item; arrows, Home and End move; Escape closes.
    press(alice, "Enter")
    expect(menu(alice)).to_be_visible()
    more = message(alice, "Second from bob").get_by_role("button", name="More actions")
    expect(more).to_have_attribute("aria-expanded", "true")
    assert_active(alice, "menuitem: Reply")
    items = menu(alice).get_by_role("menuitem")  # Alice made the room: she may delete
    expect(items).to_have_text(
        ["Reply", "Reply in thread", "React", "Forward", "Copy link", "Delete", "Report"]
    )
    press(alice, "ArrowDown")
    assert_active(alice, "menuitem: Reply in thread")
    press(alice, "End")
    assert_active(alice, "menuitem: Report")
    press(alice, "ArrowDown")  # wraps
    assert_active(alice, "menuitem: Reply")
    press(alice, "f")  # the next item starting with the letter
    assert_active(alice, "menuitem: Forward")
    press(alice, "Escape")
    expect(menu(alice)).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    assert_active(alice, "message: Second from bob")
    # Shift+F10 opens it too; Tab closes it, back on the message.
    press(alice, "Shift+F10")
    assert_active(alice, "menuitem: Reply")
    press(alice, "Tab")
    expect(menu(alice)).to_be_hidden()
    assert_active(alice, "message: Second from bob")

    # Reply: the composer; Escape cancels and returns to the message.
    press(alice, "Enter", "Enter")
    assert_active(alice, "textarea: composer-input")
    expect(alice.locator("#composer-context")).to_contain_text("Replying to bob")
    press(alice, "Escape")
    expect(alice.locator("#composer-context")).to_be_hidden()
    assert_active(alice, "message: Second from bob")
    press(alice, "Enter", "Enter")
    alice.keyboard.type("Agreed")
    press(alice, "Enter")
    reply = message(alice, "Agreed")
    expect(reply.locator(".msg-quote")).to_contain_text("Second from bob")
    assert_active(alice, "textarea: composer-input")

    # Reply in a thread: its composer; Escape closes the panel, back on the message.
    tab_into_list(alice)
    assert_active(alice, "message: Second from bob")
    press(alice, "Enter", "ArrowDown", "Enter")
    panel = alice.locator("#thread-panel")
    expect(panel).to_be_visible()
    assert_active(alice, "textarea: thread-input")
    alice.keyboard.type("In the thread")
    press(alice, "Enter")
    expect(panel.locator("#thread-replies .msg-body", has_text="In the thread")).to_be_visible()
    press(alice, "Escape")
    expect(panel).to_be_hidden()
    assert_active(alice, "message: Second from bob")

    # React: the picker; Enter chooses and focus is back on the message.
    press(alice, "Enter", "ArrowDown", "ArrowDown")
    assert_active(alice, "menuitem: React")
    press(alice, "Enter")
    assert_active(alice, "combobox: Search emoji by name")
    alice.keyboard.type("party pop")
    expect(alice.locator('#emoji-options [role="option"][data-emoji="🎉"]')).to_be_visible()
    press(alice, "Enter")
    second = message(alice, "Second from bob")
    expect(second.locator(".reaction", has_text="🎉")).to_have_attribute("aria-pressed", "true")
    assert_active(alice, "message: Second from bob")

    # Forward: the dialog; closing it returns to the message.
    press(alice, "Enter", "f", "Enter")
    expect(alice.get_by_role("dialog", name="Forward to")).to_be_visible()
    press(alice, "Escape")
    expect(alice.get_by_role("dialog", name="Forward to")).to_be_hidden()
    assert_active(alice, "message: Second from bob")

    # Edit one's own: the composer with its text; Escape returns; saved with Enter.
    press(alice, "ArrowUp")
    assert_active(alice, "message: Mine to edit")
    press(alice, "Enter", "e", "Enter")
    assert_active(alice, "textarea: composer-input")
    expect(alice.locator("#composer-input")).to_have_value("Mine to edit")
    press(alice, "Escape")
    assert_active(alice, "message: Mine to edit")
    expect(alice.locator("#composer-input")).to_have_value("")
    press(alice, "Enter", "e", "Enter")
    alice.locator("#composer-input").fill("Mine, edited")
    press(alice, "Enter")
    expect(body(alice, "Mine, edited")).to_be_visible()

    # Delete: the page's confirmation, then the neighbouring message.
    tab_into_list(alice)
    assert_active(alice, "message: Mine, edited")
    press(alice, "ArrowDown", "ArrowDown")
    assert_active(alice, "message: Mine to delete")
    press(alice, "Enter", "d", "Enter")
    ask = alice.get_by_role("dialog", name="Delete this message for everyone?")
    expect(ask).to_be_visible()
    assert_active(alice, "button: Delete")
    press(alice, "Enter")
    expect(ask).to_be_hidden()
    expect(body(alice, "This message was deleted.")).to_have_count(1)
    expect(message(alice, "Last from bob")).to_be_focused()

    # Report: the page's question, then back on the message.
    press(alice, "Enter", "End", "Enter")
    report = alice.get_by_role("dialog", name="Report this message")
    expect(report).to_be_visible()
    alice.keyboard.type("Spam")
    press(alice, "Enter")
    expect(report).to_be_hidden()
    expect(alice.locator("#notice")).to_contain_text("Reported")
    assert_active(alice, "message: Last from bob")

    # Copy link: focus stays on the message.
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    press(alice, "Enter", "c", "Enter")
    expect(alice.locator("#notice")).to_have_text("Link copied")
    assert_active(alice, "message: Last from bob")


def test_the_menu_stays_inside_a_phone_screen_above_the_composer(pages, chat_server):
    bob = pages.login("bob", viewport=PHONE)
    room_with_five_messages(chat_server, bob, "Phone menu")
    last = message(bob, "Last from bob")
    last.locator(".msg-body").tap()
    last.get_by_role("button", name="More actions").tap()
    expect(menu(bob)).to_be_visible()
    box = menu(bob).bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Every item can be pressed where it is: nothing (the composer) lies over it.
    for item in menu(bob).get_by_role("menuitem").all():
        covered = item.evaluate(
            """node => {
                const box = node.getBoundingClientRect();
                const x = box.x + box.width / 2;
                return !node.contains(document.elementFromPoint(x, box.y + box.height / 2));
            }"""
        )
        assert not covered, item.text_content()
    # React: the picker; Enter chooses, and focus is on the message (its menu button shows
    # only while the message has focus, so focus cannot go back to it).
    menu(bob).get_by_role("menuitem", name="React").tap()
    bob.get_by_role("combobox", name="Search emoji by name").fill("thumbs up")
    bob.keyboard.press("Enter")
    expect(last.locator(".reaction", has_text="👍")).to_have_attribute("aria-pressed", "true")
    assert_active(bob, "message: Last from bob")
    last.get_by_role("button", name="More actions").tap()
    menu(bob).get_by_role("menuitem", name="Edit").tap()
    expect(bob.locator("#composer-input")).to_have_value("Last from bob")


def test_focus_returns_to_a_message_drawn_again_while_its_menu_was_open(pages, chat_server):
    alice = pages.login("alice")
    room_with_five_messages(chat_server, alice, "Redrawn")
    tab_into_list(alice)
    press(alice, "Enter")
    expect(menu(alice)).to_be_visible()
    # Bob reacts meanwhile: the message is drawn again, as a new element.
    seed(
        chat_server,
        """
        message = Message.objects.get(room__name="Redrawn", seq=5)
        services.message_react(user=users["bob"], message_id=message.pk, emoji="👀")
        """,
    )
    expect(message(alice, "Last from bob").locator(".reaction")).to_have_count(1)
    press(alice, "Escape")
    assert_active(alice, "message: Last from bob")


def test_discarding_a_refused_message_leaves_focus_on_the_newest(pages, chat_server):
    seed(
        chat_server,
        """
        from chat.services.moderation import user_block
        room = services.room_create(user=users["carol"], kind="direct", members=["alice"])
        services.message_send(user=users["carol"], room_id=room["room"]["id"], content="Hi")
        user_block(user=users["carol"], username="alice")
        """,
    )
    alice = pages.login("alice")
    open_room(alice, "carol")
    alice.locator("#composer-input").fill("Refused")
    alice.locator("#composer-input").press("Enter")
    expect(alice.locator("#messages .msg.failed")).to_contain_text("blocked you")
    alice.locator("#messages .msg.failed").get_by_role("button", name="Discard").focus()
    press(alice, "Enter")
    expect(alice.locator("#messages .msg.pending")).to_have_count(0)
    assert_active(alice, "message: Hi")
    expect(alice.locator('#messages > .msg[tabindex="0"]')).to_have_count(1)
