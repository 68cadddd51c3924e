"""Making a bot from the page, in a real Chromium against a real Uvicorn: a room's admin opens
"New bot…" in the room's details, names the bot, and is shown its webhook URL and token once,
with a button to copy each; the bot is then listed. Done from the keyboard alone, and the
copied URL and token, posted to over HTTP, put the bot's message in the page with its tag.
Members who are not admins have no such control, and the server refuses them anyway.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import MODES, assert_accessible
from tests.browser.test_bots_page import hook, make_bot
from tests.browser.test_chat_page import make_room, message, open_room
from tests.browser.test_keyboard_journey import tab_to
from tests.browser.test_message_keyboard import assert_active, press

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TOKEN = re.compile(r"^chb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


def copy_with_keyboard(page, button_name):
    """Tab to the Copy button, press Enter and return what the clipboard then holds."""
    tab_to(page, f"button: {button_name}")
    press(page, "Enter")
    expect(page.locator("#bot-copied")).to_have_text(re.compile(r" copied\.$"))
    return page.evaluate("navigator.clipboard.readText()")


def test_an_admin_makes_a_bot_by_keyboard_and_its_webhook_posts_into_the_page(pages, chat_server):
    make_room(chat_server, "alice", "Builds", ["bob"])
    alice = pages.login("alice")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # To the room and its details without a mouse.
    press(alice, "Control+K")
    alice.keyboard.type("Builds")
    expect(alice.get_by_role("option")).to_have_count(1)
    press(alice, "Enter")
    assert_active(alice, "textarea: composer-input")
    tab_to(alice, "button: Details", backwards=True)
    press(alice, "Enter")
    details = alice.get_by_role("dialog", name="Builds")
    expect(details.get_by_role("region", name="Bots")).to_contain_text("No bots yet")

    # "New bot…" opens the form with focus in its one field; a taken name is refused there.
    tab_to(alice, "button: New bot…")
    press(alice, "Enter")
    form = alice.get_by_role("dialog", name="New bot")
    assert_active(alice, "input: bot-name")
    alice.keyboard.type("Bob")
    press(alice, "Enter")
    expect(form.get_by_role("alert")).to_contain_text("already exists")
    assert_active(alice, "input: bot-name")
    press(alice, "Control+A")
    alice.keyboard.type("deploybot")
    press(alice, "Enter")

    # Made: the heading takes focus, the warning follows; URL and token copied by keyboard.
    shown = alice.get_by_role("dialog", name="deploybot's webhook")
    assert_active(alice, "h2: deploybot's webhook")
    expect(shown).to_have_accessible_description(re.compile("you will not see it again"))
    url = copy_with_keyboard(alice, "Copy webhook URL")
    assert re.fullmatch(rf"{re.escape(chat_server.url)}/hooks/\d+", url), url
    expect(shown.get_by_role("textbox", name="Webhook URL")).to_have_value(url)
    token = copy_with_keyboard(alice, "Copy token")
    assert TOKEN.fullmatch(token), token
    # Listed under the dialog already, never showing the token.
    bots = details.get_by_role("list", name="Bots")
    expect(bots).to_contain_text("deploybot")
    expect(bots).to_contain_text("never posted")
    expect(bots).not_to_contain_text(token)

    # Escape closes it: focus back on "New bot…", and the token is gone from the page.
    press(alice, "Escape")
    expect(shown).to_be_hidden()
    assert_active(alice, "button: New bot…")
    # The dialog's "close" event, which empties the fields, is queued after it hides.
    expect(alice.locator("#bot-token")).to_have_value("")
    expect(alice.locator("#bot-url")).to_have_value("")
    assert token not in alice.content()
    press(alice, "Escape")
    expect(details).to_be_hidden()
    assert_active(alice, "button: Details")

    # The copied URL and token post as the bot, and the message shows with the bot's tag.
    assert hook(url, token, "Deployed from the page's bot") == 201
    posted = message(alice, "Deployed from the page's bot")
    expect(posted.locator(".msg-sender")).to_have_text("deploybot bot")
    expect(posted.locator(".bot-tag")).to_be_visible()


def test_members_who_are_not_admins_have_no_new_bot_control(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Standup", ["bob"])
    bob = pages.login("bob")
    open_room(bob, "Standup")
    bob.get_by_role("button", name="Details").click()
    details = bob.get_by_role("dialog", name="Standup")
    expect(details.get_by_role("button", name="Remove alice")).to_have_count(0)
    expect(details.get_by_role("button", name="Block alice")).to_be_visible()
    expect(details.get_by_role("button", name="New bot")).to_have_count(0)
    expect(bob.locator("#new-bot-button")).to_be_hidden()
    # Asked from bob's own page all the same, the server refuses: 4030, no bot.
    refused = bob.evaluate(
        """roomId => window.chatClient.request("bot.create", { room_id: roomId, name: "sneaky" })
            .then(() => null, (error) => error.code)""",
        room_id,
    )
    assert refused == 4030


def test_without_a_clipboard_copy_selects_the_text_to_copy_by_hand(pages, chat_server):
    """A page the browser gives no clipboard (not served over HTTPS, or refused): Copy selects
    the whole token in its field, focused, and says how to copy it."""
    make_room(chat_server, "alice", "No clipboard", ["bob"])
    alice = pages.login("alice")
    alice.evaluate("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    open_room(alice, "No clipboard")
    alice.get_by_role("button", name="Details").click()
    alice.get_by_role("button", name="New bot").click()
    form = alice.get_by_role("dialog", name="New bot")
    form.get_by_role("textbox", name="Name").fill("byhand")
    form.get_by_role("button", name="Create bot").click()
    shown = alice.get_by_role("dialog", name="byhand's webhook")
    field = shown.get_by_role("textbox", name="Token")
    expect(field).to_have_value(TOKEN)
    shown.get_by_role("button", name="Copy token").click()
    expect(shown.get_by_role("status")).to_have_text(re.compile(r"^Token selected: press Ctrl\+C"))
    expect(field).to_be_focused()
    selected = field.evaluate("node => node.value.slice(node.selectionStart, node.selectionEnd)")
    assert TOKEN.fullmatch(selected), selected


def test_a_bots_row_among_the_members_holds_its_tags(pages, chat_server):
    """A bot is never online: its "offline" tag sits in its own row of the members, beside
    its "bot" tag, as every offline member's does (not drawn over the dialog's top)."""
    room_id = make_room(chat_server, "alice", "Tagged", ["bob"])
    make_bot(chat_server, room_id, "tagbot")
    alice = pages.login("alice")
    open_room(alice, "Tagged")
    alice.get_by_role("button", name="Details").click()
    for name in ("tagbot", "bob"):
        row = alice.locator("#members-list .member", has_text=name)
        tag = row.locator(".presence-tag")
        expect(tag).to_have_text("offline")
        inside = tag.evaluate(
            """tag => {
                const own = tag.getBoundingClientRect();
                const row = tag.closest("li").getBoundingClientRect();
                return own.top >= row.top && own.bottom <= row.bottom
                    && own.left >= row.left && own.right <= row.right;
            }"""
        )
        assert inside, name
    expect(
        alice.locator("#members-list .member", has_text="tagbot").locator(".bot-tag")
    ).to_be_visible()


@pytest.mark.parametrize("mode", MODES)
def test_the_new_bot_dialog_and_its_token_pass_axe(pages, chat_server, mode):
    scheme, viewport = MODES[mode]
    make_room(chat_server, "alice", f"Hooks {mode}", ["bob"])
    alice = pages.login("alice", viewport=viewport)
    alice.emulate_media(color_scheme=scheme)
    open_room(alice, f"Hooks {mode}")
    alice.get_by_role("button", name="Details").click()
    alice.get_by_role("button", name="New bot").click()
    form = alice.get_by_role("dialog", name="New bot")
    expect(form.get_by_role("textbox", name="Name")).to_be_focused()
    assert_accessible(alice, f"the new bot form over the room details ({mode})")

    form.get_by_role("textbox", name="Name").fill("carol")
    form.get_by_role("button", name="Create bot").click()
    expect(form.get_by_role("alert")).to_contain_text("already exists")
    assert_accessible(alice, f"the new bot form with an error ({mode})")

    form.get_by_role("textbox", name="Name").fill(f"hook-{mode}")
    form.get_by_role("button", name="Create bot").click()
    shown = alice.get_by_role("dialog", name=f"hook-{mode}'s webhook")
    expect(shown.get_by_role("textbox", name="Token")).to_have_value(TOKEN)
    assert_accessible(alice, f"a new bot's webhook URL and token ({mode})")

    shown.get_by_role("button", name="Done").click()
    bots = alice.get_by_role("list", name="Bots")
    expect(bots).to_contain_text(f"hook-{mode}")
    assert_accessible(alice, f"the room details with a new bot listed ({mode})")
