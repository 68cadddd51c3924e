"""axe-core on every screen and dialog of the site, in light and dark, on a desktop, a phone
and at 200 % zoom: zero violations of any rule axe runs (tests/browser/a11y.py).

A desktop at 200 % zoom shows the page as a 640x400 CSS-pixel viewport, which is what these
tests open. Each mode is one walkthrough: the pages before logging in, then one user's chat
with rooms, badges, an invitation, a thread, every panel and every dialog. The messages'
own insides (each message's markup, its actions, avatars) are the message list's to check
(its own tests run axe on them); here the list's container counts, its items are excluded.
"""

import itertools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.a11y import MODES as A11Y_MODES
from tests.browser.a11y import OPTIONS, describe, settle
from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import (
    choose_action,
    make_room,
    message,
    open_room,
    room_button,
    seed,
)
from tests.browser.test_invitations import invite
from testservers.live import create_users

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

ZOOM_200 = {"width": 640, "height": 400}
MODES = {
    **A11Y_MODES,
    "light-zoom200": ("light", ZOOM_200),
    "dark-zoom200": ("dark", ZOOM_200),
}
# The message list's items are the message list's own to check; its container is checked here.
MESSAGE_INSIDES = ("#messages > *", "#thread-root > *", "#thread-replies > *")
# Every rule tests/browser/a11y.py runs, and one axe counts as experimental: a control's
# accessible name contains its visible text (WCAG 2.5.3), so a speech user can say what they see.
RULES = {**OPTIONS["rules"], "label-content-name-mismatch": {"enabled": True}}
_AXE = Axe()
LOCKED = "nobody-here"
_signups = itertools.count()


@pytest.fixture(scope="module")
def seeded(chat_server):
    """Alice's world: an invitation from a stranger, a group she runs with a thread in it, a
    direct room with an unread mention, and a public channel she has not joined."""
    invite(chat_server, "carol", "Retreat", ["alice"])  # before they share any room
    plans = make_room(
        chat_server,
        "alice",
        "Plans",
        ["bob", "carol"],
        messages=[("alice", "Findable agenda"), ("bob", "Thread starter")],
    )
    seed(
        chat_server,
        f"""
        root = Message.objects.get(room_id={plans}, content="Thread starter")
        services.message_send(
            user=users["carol"], room_id={plans}, content="A reply", thread_root_id=root.pk
        )
        """,
    )
    make_room(chat_server, "bob", "", ["alice"], kind="direct", messages=[("bob", "@alice hi")])
    make_room(chat_server, "carol", "News", [], kind="channel", is_public=True)
    return chat_server


class Findings(list):
    """axe's findings of one walkthrough, every state checked before the test fails."""

    def check(self, page, state, exclude=()):
        context = {"include": [["html"]], "exclude": [[selector] for selector in exclude]}
        options = {**OPTIONS, "rules": RULES}
        settle(page)
        found = _AXE.run(page, context=context, options=options).response["violations"]
        if found:
            self.append(f"{state}:\n{describe(found)}")

    def assert_none(self):
        assert not self, "axe found violations on\n" + "\n".join(self)


def open_dialog(page, opener, name, first):
    """Open a dialog from the keyboard; focus starts on ``first`` (a field or the heading,
    never Close)."""
    page.get_by_role("button", name=opener, exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    expect(first(dialog)).to_be_focused()
    return dialog


def close_dialog(page, dialog, opener):
    """Escape closes the dialog and focus returns to what opened it."""
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def field(name, role="textbox"):
    return lambda dialog: dialog.get_by_role(role, name=name, exact=True)


def heading(dialog):
    return dialog.get_by_role("heading", level=2)


@pytest.mark.parametrize("mode", MODES)
def test_the_pages_before_logging_in(pages, chat_server, mode):
    scheme, viewport = MODES[mode]
    findings = Findings()
    page = pages.open("visitor", viewport)
    page.emulate_media(color_scheme=scheme)
    page.goto("/accounts/login/")
    findings.check(page, f"the login page ({mode})")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-error")).to_be_visible()
    findings.check(page, f"the login page with an error ({mode})")

    # Sign-up is by invitation (CHAT_SIGNUP=invite): without one the page says how to get one.
    # The sign-up form itself, with an invitation, is test_account_pages.py's.
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    findings.check(page, f"the sign-up page without an invitation ({mode})")

    # A newcomer in no room yet.
    username = f"newcomer{next(_signups)}"
    create_users(chat_server.env, username, password=PASSWORD)
    newcomer = pages.login(username, viewport=viewport)
    newcomer.emulate_media(color_scheme=scheme)
    expect(newcomer.locator("#rooms-empty")).to_be_visible()
    findings.check(newcomer, f"the chat with no rooms ({mode})")

    locked = pages.open("locked", viewport)
    locked.emulate_media(color_scheme=scheme)
    for _ in range(11):  # LOGIN_FAILURE_LIMIT is 10: the eleventh attempt is locked out
        locked.goto("/accounts/login/")
        locked.get_by_label("Username").fill(LOCKED)
        locked.get_by_label("Password").fill("wrong")
        locked.get_by_role("button", name="Log in").click()
        if locked.get_by_role("heading", name="Too many attempts").is_visible():
            break
    expect(locked.get_by_role("heading", name="Too many attempts")).to_be_visible()
    findings.check(locked, f"the locked-out page ({mode})")
    findings.assert_none()


@pytest.mark.parametrize("mode", MODES)
def test_every_screen_panel_and_dialog_of_the_chat(pages, seeded, mode):
    scheme, viewport = MODES[mode]
    findings = Findings()
    alice = pages.login("alice", viewport=viewport)
    alice.emulate_media(color_scheme=scheme)
    direct = room_button(alice, "bob")
    expect(direct.locator(".unread-badge")).to_be_visible()
    expect(direct.locator(".mention-badge")).to_be_visible()
    # Named by what it shows; what the numbers mean is the description.
    expect(direct).to_have_accessible_name("bob @1 1")
    expect(direct).to_have_accessible_description(re.compile(r"1 unread, 1 mentioning you$"))
    findings.check(alice, f"the room list with unread and mention badges ({mode})")

    alice.locator("#notifications-button").click()
    expect(alice.locator("#invitations-list")).to_contain_text("Retreat")
    expect(alice.locator("#notifications-list")).to_contain_text("mentioned you")
    findings.check(alice, f"the notification panel ({mode})")
    alice.locator("#notifications-button").click()

    alice.locator("#search-input").fill("findable")
    alice.locator("#search-input").press("Enter")
    expect(alice.locator("#search-results .search-open")).to_have_count(1)
    findings.check(alice, f"the search results ({mode})")
    alice.get_by_role("button", name="Close search").click()

    new_room = open_dialog(alice, "New room", "New room", field("Name"))
    findings.check(alice, f"the new room dialog ({mode})")
    close_dialog(alice, new_room, alice.locator("#new-room-button"))
    direct_dialog = open_dialog(
        alice, "Direct message", "Direct message", field("Username", role="combobox")
    )
    findings.check(alice, f"the direct message dialog ({mode})")
    close_dialog(alice, direct_dialog, alice.locator("#new-direct-button"))
    channels = open_dialog(alice, "Browse channels", "Public channels", heading)
    expect(channels.get_by_role("button", name="Join News")).to_be_visible()
    findings.check(alice, f"the public channels dialog ({mode})")
    close_dialog(alice, channels, alice.locator("#discover-button"))

    settings = open_dialog(alice, "Settings", "Settings", heading)
    findings.check(alice, f"the settings dialog ({mode})")
    close_dialog(alice, settings, alice.locator("#settings-button"))
    shortcuts = open_dialog(alice, "Keyboard shortcuts", "Keyboard shortcuts", heading)
    findings.check(alice, f"the keyboard shortcuts dialog ({mode})")
    close_dialog(alice, shortcuts, alice.locator("#shortcuts-button"))
    alice.locator("#discover-button").focus()
    alice.keyboard.press("Control+K")
    switcher = alice.get_by_role("dialog", name="Jump to a room")
    expect(switcher.get_by_role("combobox", name="Room name")).to_be_focused()
    expect(switcher.get_by_role("option")).to_have_count(2)
    findings.check(alice, f"the quick switcher ({mode})")
    close_dialog(alice, switcher, alice.locator("#discover-button"))

    open_room(alice, "Plans")
    expect(message(alice, "Thread starter")).to_be_visible()
    findings.check(alice, f"a room ({mode})", exclude=MESSAGE_INSIDES)

    details = open_dialog(alice, "Details", "Plans", heading)
    expect(details.get_by_role("button", name="Remove bob")).to_be_visible()
    findings.check(alice, f"the room details with admin controls ({mode})")
    leave = details.get_by_role("button", name="Leave room")
    leave.click()
    ask = alice.get_by_role("dialog", name="Leave this room?")
    expect(ask).to_be_visible()
    expect(ask.get_by_role("button", name="Leave room")).to_be_focused()
    findings.check(alice, f"a confirmation ({mode})")
    close_dialog(alice, ask, leave)
    close_dialog(alice, details, alice.locator("#details-button"))

    own = message(alice, "Findable agenda")
    choose_action(own, "Forward")
    forward = alice.get_by_role("dialog", name="Forward to")
    expect(forward.get_by_role("button", name="Forward to bob")).to_be_visible()
    expect(forward.get_by_role("button").first).to_be_focused()
    findings.check(alice, f"the forward dialog ({mode})")
    close_dialog(alice, forward, own)  # focus goes back to the message

    message(alice, "Thread starter").locator(".thread-summary").click()
    expect(alice.locator("#thread-replies")).to_contain_text("A reply")
    findings.check(alice, f"the thread panel ({mode})", exclude=MESSAGE_INSIDES)
    findings.assert_none()


# A control's ring style and colour, what lies around it (the first ancestor with a background
# of its own: the ring sits outside the control, past its offset), and its own background.
RING_AND_AROUND = """element => {
  const around = (node) => {
    for (; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(colour) && colour !== "transparent") return colour;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const style = getComputedStyle(element);
  return [style.outlineStyle, style.outlineColor, around(element.parentElement),
          style.backgroundColor];
}"""


def luminance(colour):
    channels = [int(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings_and_badges_stand_out_from_what_is_around_them(pages, seeded, scheme):
    """WCAG 1.4.11: a focus ring and a badge at least 3:1 against their surroundings (axe
    checks text, not these)."""
    alice = pages.login("alice")
    alice.emulate_media(color_scheme=scheme)
    direct = room_button(alice, "bob")
    expect(direct.locator(".mention-badge")).to_be_visible()
    alice.keyboard.press("Tab")  # the keyboard was used: focus shows as it does for its users
    controls = [
        alice.locator("#new-room-button"),
        alice.locator("#new-direct-button"),
        alice.locator("#notifications-button"),
        alice.locator("#search-input"),
        direct,
    ]
    for control in controls:
        control.focus()
        style, ring, around, _ = control.evaluate(RING_AND_AROUND)
        assert style != "none", control
        assert contrast(ring, around) >= 3, (scheme, control, ring, around)
    for badge in (direct.locator(".mention-badge"), direct.locator(".unread-badge")):
        _, _, behind, fill = badge.evaluate(RING_AND_AROUND)
        assert contrast(fill, behind) >= 3, (scheme, badge, fill, behind)
