"""The page on a phone and zoomed in, measured in a real Chromium: every control in reach,
nothing cut off, no sideways scrolling (WCAG 1.4.10 reflow).

A 1280x800 desktop at 200 % zoom lays the page out as 640x400 CSS pixels; a 1280x1024 one
at 400 % as 320x256 (WCAG 1.4.10); a phone is 390x844 (pages.PHONE). The tests open those
viewports.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PHONE
from tests.browser.test_chat_page import make_room, message, open_room

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ZOOM_200 = {"width": 640, "height": 400}
ZOOM_400 = {"width": 320, "height": 256}

# Every control shown, with its box (CSS pixels, relative to the viewport).
SHOWN_CONTROLS = """root => [...root.querySelectorAll("a[href], button, input, textarea, select")]
  .filter((node) => node.getClientRects().length && getComputedStyle(node).visibility !== "hidden")
  .filter((node) => !node.closest(".visually-hidden"))
  .map((node) => {
    const box = node.getBoundingClientRect();
    const name = node.id || node.getAttribute("aria-label") || node.textContent.trim().slice(0, 30);
    return { name, left: box.left, right: box.right, top: box.top, bottom: box.bottom };
  })"""


@pytest.fixture(scope="module")
def seeded(chat_server):
    messages = [("bob", f"Line {number} of the plan") for number in range(30)]
    make_room(chat_server, "alice", "A room with a long name for small screens", ["bob"])
    make_room(chat_server, "alice", "Plans", ["bob", "carol"], messages=messages)
    return chat_server


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def controls(page, selector="body"):
    return page.locator(selector).evaluate(SHOWN_CONTROLS)


# What sticks out past the viewport's right edge, for a failure's message.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .map((node) => [`${node.tagName}#${node.id}.${node.className}`,
                  node.getBoundingClientRect().right])
  .filter(([, right]) => right > innerWidth).slice(0, 8)"""


def assert_within(page, viewport, selector="body", whole_height=False):
    """Every control under ``selector`` lies within the viewport's width (and height when
    ``whole_height``), and the page does not scroll sideways."""
    assert page_width(page) <= viewport["width"], (page_width(page), page.evaluate(WIDEST))
    for box in controls(page, selector):
        assert box["left"] >= 0 and box["right"] <= viewport["width"] + 0.5, box
        if whole_height:
            assert box["top"] >= 0 and box["bottom"] <= viewport["height"] + 0.5, box


def test_on_a_phone_every_control_is_in_reach(pages, seeded):
    alice = pages.login("alice", viewport=PHONE)
    assert_within(alice, PHONE, ".site-header", whole_height=True)
    assert_within(alice, PHONE, ".sidebar")
    for opener, name in (
        ("New room", "New room"),
        ("Direct message", "Direct message"),
        ("Browse channels", "Public channels"),
        ("Settings", "Settings"),
        ("Keyboard shortcuts", "Keyboard shortcuts"),
    ):
        alice.get_by_role("button", name=opener, exact=True).click()
        dialog = alice.get_by_role("dialog", name=name)
        expect(dialog).to_be_visible()
        assert_within(alice, PHONE, f"#{dialog.get_attribute('id')}")
        alice.keyboard.press("Escape")

    open_room(alice, "Plans")
    assert_within(alice, PHONE, ".room-head", whole_height=True)
    assert_within(alice, PHONE, "#composer", whole_height=True)
    alice.get_by_role("button", name="Details").click()
    details = alice.get_by_role("dialog", name="Plans")
    expect(details.get_by_role("button", name="Remove bob")).to_be_visible()
    assert_within(alice, PHONE, "#details-dialog")


def test_at_200_percent_the_rooms_show_on_the_first_screen(pages, seeded):
    alice = pages.login("alice", viewport=ZOOM_200)
    first_room = alice.locator("#room-list .room-item").first
    expect(first_room).to_be_visible()
    box = first_room.bounding_box()
    # The sidebar's controls leave room on the first screen, without scrolling, for at least
    # three rooms.
    assert box["y"] + 3 * box["height"] <= ZOOM_200["height"], box
    assert_within(alice, ZOOM_200, ".sidebar")
    open_room(alice, "Plans")
    assert_within(alice, ZOOM_200, ".room-head", whole_height=True)
    assert_within(alice, ZOOM_200, "#composer", whole_height=True)


def test_at_400_percent_the_messages_keep_room_to_be_read(pages, seeded):
    alice = pages.login("alice", viewport=ZOOM_400)
    assert_within(alice, ZOOM_400, ".sidebar")
    alice.get_by_role("button", name="New room").click()
    expect(alice.get_by_role("dialog", name="New room")).to_be_visible()
    assert_within(alice, ZOOM_400, "#new-room-dialog")
    alice.keyboard.press("Escape")
    open_room(alice, "Plans")
    scroll = alice.locator("#messages-scroll").bounding_box()
    visible = min(scroll["y"] + scroll["height"], ZOOM_400["height"]) - max(scroll["y"], 0)
    assert visible >= 0.4 * ZOOM_400["height"], scroll
    assert page_width(alice) <= ZOOM_400["width"]
    assert_within(alice, ZOOM_400, "#composer", whole_height=True)
    assert_within(alice, ZOOM_400, ".room-head", whole_height=True)


# Whether the focused element lies inside the viewport and nothing covers its middle.
FOCUSED_IN_REACH = """() => {
  const node = document.activeElement;
  const box = node.getBoundingClientRect();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const inside = box.x >= 0 && box.y >= 0 && box.right <= innerWidth && box.bottom <= innerHeight;
  const uncovered = node.contains(document.elementFromPoint(x, y));
  return { name: node.textContent.trim(), inside, uncovered };
}"""


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_400], ids=["phone", "zoom400"])
def test_every_action_of_a_message_is_in_reach(pages, seeded, viewport):
    alice = pages.login("alice", viewport=viewport)
    open_room(alice, "Plans")
    last = message(alice, "Line 29 of the plan")
    last.focus()
    alice.keyboard.press("Enter")
    menu = alice.get_by_role("menu", name="Message actions")
    expect(menu).to_be_visible()
    names = [item.text_content().strip() for item in menu.get_by_role("menuitem").all()]
    assert "Reply in thread" in names and "Report" in names, names
    # Each item, reached with the arrows, is on the screen and uncovered (the menu scrolls
    # within itself where the screen is shorter than it).
    for name in names:
        reach = alice.evaluate(FOCUSED_IN_REACH)
        assert reach == {"name": name, "inside": True, "uncovered": True}, (viewport, reach)
        alice.keyboard.press("ArrowDown")
    alice.keyboard.press("Escape")
    expect(last).to_be_focused()
    composer = alice.locator("#composer-input")
    composer.focus()
    reach = alice.evaluate(FOCUSED_IN_REACH)
    assert reach["inside"] and reach["uncovered"], (viewport, reach)
