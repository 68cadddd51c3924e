"""Reading the message list in a real Chromium: day separators in the user's own time zone,
the "New" line where the unread part began and the button that jumps to it, times with
their full date as a tooltip, initials avatars readable in light and dark mode, and new
messages from others read out through a live region, a burst at a time.

The history is seeded with its dates set in the database, over the 20 days before today.
The page runs in the time zone Pacific/Kiritimati (UTC+14), where a day's 01:00 and the day
before's 23:00 fall on the same day in UTC: separators drawn by UTC days would be wrong.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.pages import DESKTOP, rewrite_envelopes
from tests.browser.test_chat_page import bodies, body, make_room, message, post_messages, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ZONE = "Pacific/Kiritimati"
DAYS = 20


def zoned_page(pages, username, viewport=DESKTOP):
    """A logged-in chat page of ``username`` in the time zone ``ZONE``, British English."""
    pages.login(username)  # a session to reuse
    context = pages.browser.new_context(
        viewport=viewport,
        base_url=pages.server.url,
        storage_state=pages.server.sessions[username],
        locale="en-GB",
        timezone_id=ZONE,
    )
    pages.contexts.append(context)
    page = context.new_page()
    page.on("console", lambda msg: pages.console.append((username, msg.type, msg.text)))
    page.on("pageerror", lambda error: pages.page_errors.append((username, str(error))))
    page.goto("/")
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")
    return page


def open_room(page, name):
    page.locator("#room-list .room-item", has_text=name).click()
    expect(page.locator("#room-title")).to_contain_text(name)


def history_days(now):
    """[(local datetime, sender, text)]: each of the last DAYS days at 01:00 and 23:00 local
    time, then two messages of bob's a minute apart just now (one group)."""
    today = now.date()
    entries = []
    for ago in range(DAYS, 0, -1):
        day = today - datetime.timedelta(days=ago)
        for hour, sender in ((1, "carol"), (23, "bob")):
            when = datetime.datetime.combine(day, datetime.time(hour), tzinfo=now.tzinfo)
            entries.append((when, sender, f"{sender} on {day.isoformat()} at {hour:02}"))
    entries.append((now - datetime.timedelta(minutes=3), "bob", "Earlier today"))
    entries.append((now - datetime.timedelta(minutes=2), "bob", "And right after"))
    return entries


def seed_history(chat_server, name, entries, read_seq):
    """A room of alice, bob and carol with ``entries``, dated in the database; alice has read
    up to ``read_seq``."""
    room_id = make_room(
        chat_server, "alice", name, ["bob", "carol"], messages=[(s, t) for _, s, t in entries]
    )
    dates = [when.astimezone(datetime.UTC).isoformat() for when, _, _ in entries]
    seed(
        chat_server,
        f"""
        import datetime
        from chat.services.receipts import message_read
        for seq, when in enumerate({dates!r}, start=1):
            Message.objects.filter(room_id={room_id}, seq=seq).update(
                created_at=datetime.datetime.fromisoformat(when)
            )
        message_read(user=users["alice"], room_id={room_id}, seq={read_seq})
        """,
    )
    return room_id


def expected_label(day, today):
    """The separator's words for ``day``, as a pattern: British English, local days."""
    ago = (today - day).days
    if ago == 0:
        return "^Today$"
    if ago == 1:
        return "^Yesterday$"
    words = rf"{day:%A},? {day.day} {day:%B}"
    return f"^{words}$" if ago < 7 else rf"^{words},? {day.year}$"


def test_days_times_avatars_and_the_new_line(pages, chat_server):
    now = datetime.datetime.now(ZoneInfo(ZONE)).replace(microsecond=0)
    entries = history_days(now)
    read_seq = 6  # alice read the first three days
    seed_history(chat_server, "History", entries, read_seq)
    alice = zoned_page(pages, "alice")
    open_room(alice, "History")
    expect(bodies(alice).last).to_have_text("And right after")
    expect(bodies(alice)).to_have_count(len(entries))

    # One separator per local day, each a heading in the day's first message.
    days = sorted({when.date() for when, _, _ in entries})
    separators = alice.locator("#messages > .msg > h3.msg-day")
    expect(separators).to_have_count(len(days))
    labels = separators.all_inner_texts()
    for label, day in zip(labels, days, strict=True):
        assert re.match(expected_label(day, now.date()), label), (label, day)
    first_of_day = message(alice, f"carol on {days[-2].isoformat()} at 01")
    expect(first_of_day.locator(".msg-day")).to_have_text("Yesterday")
    # The feed's children are all articles: the separators are inside them.
    children = alice.locator("#messages > *")
    assert set(children.evaluate_all("nodes => nodes.map(node => node.tagName)")) == {"ARTICLE"}

    # Times: hours and minutes, the full date and time as a tooltip, the exact instant.
    when, _, text = entries[0]
    time = message(alice, text).locator("time.msg-time")
    expect(time).to_have_text("01:00")
    expect(time).to_have_attribute("title", re.compile(rf"{when.day} {when:%B} {when.year}"))
    expect(time).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    # A message continuing its sender's group: its sender stays for readers, its time shows
    # on hover.
    continued = message(alice, "And right after")
    expect(continued).to_have_class(re.compile(r"\bcontinued\b"))
    expect(continued.locator(".msg-sender.visually-hidden")).to_have_text("bob")
    expect(
        alice.get_by_role("article", name=re.compile(r"^bob \S+ And right after$"))
    ).to_have_count(1)
    expect(continued.locator(".msg-time")).to_have_css("opacity", "0")
    continued.hover()
    expect(continued.locator(".msg-time")).to_have_css("opacity", "1")

    # Avatars: initials on the sender's colour, hidden from readers, readable in both modes.
    avatar = message(alice, entries[0][2]).locator(".avatar")
    expect(avatar).to_have_text("C")
    expect(avatar).to_have_attribute("aria-hidden", "true")
    expect(continued.locator(".avatar")).to_have_css("visibility", "hidden")
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        ratios = alice.locator("#messages .avatar").evaluate_all(CONTRAST)
        assert min(ratios) >= 4.5, (scheme, ratios)

    # The "New" line stands where the unread part began; it is out of view, so a button
    # jumps to it.
    new = alice.locator("#messages .msg-new")
    expect(new).to_have_count(1)
    first_unread = message(alice, entries[read_seq][2])
    expect(first_unread.locator(".msg-new")).to_have_text("New messages start here")
    jump = alice.get_by_role("button", name="Jump to first unread")
    expect(jump).to_be_visible()
    jump.click()
    expect(new).to_be_in_viewport()
    expect(first_unread).to_be_focused()
    expect(jump).to_be_hidden()

    # Page Up and Page Down move about a screenful: past several messages, not to the end.
    alice.keyboard.press("End")
    expect(continued).to_be_focused()
    alice.keyboard.press("PageUp")
    up = int(alice.evaluate("document.activeElement.dataset.seq"))
    assert 1 < up < len(entries) - 3, up
    alice.keyboard.press("PageDown")
    down = int(alice.evaluate("document.activeElement.dataset.seq"))
    assert up + 3 < down <= len(entries), (up, down)


# The contrast ratio of each element's text on its background (WCAG's formula).
CONTRAST = """nodes => nodes.map((node) => {
  const style = getComputedStyle(node);
  const luminance = (colour) => {
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [luminance(style.color), luminance(style.backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})"""


def test_jump_to_a_first_unread_message_older_than_the_history_loaded(pages, chat_server):
    texts = [f"Unread {n}" for n in range(1, 91)]
    room_id = make_room(chat_server, "bob", "Backlog", ["alice"], messages=[])
    post_messages(chat_server, room_id, [("bob", text) for text in texts])
    seed(
        chat_server,
        f"""
        from chat.services.receipts import message_read
        message_read(user=users["alice"], room_id={room_id}, seq=5)
        """,
    )
    alice = zoned_page(pages, "alice")
    open_room(alice, "Backlog")
    # More unread than a page: the room opens at the first unread, under its "New" line.
    expect(message(alice, "Unread 6").locator(".msg-new")).to_have_count(1)
    expect(body(alice, "Unread 90")).to_have_count(0)
    # At the newest, the first unread is older than the history loaded: no line, a jump.
    alice.get_by_role("button", name="Jump to latest").click()
    expect(bodies(alice).last).to_have_text("Unread 90")
    expect(body(alice, "Unread 6")).to_have_count(0)
    expect(alice.locator("#messages .msg-new")).to_have_count(0)
    alice.get_by_role("button", name="Jump to first unread").click()
    first_unread = message(alice, "Unread 6")
    expect(first_unread.locator(".msg-new")).to_have_count(1)
    expect(first_unread).to_be_in_viewport()
    expect(first_unread).to_be_focused()


def test_new_messages_from_others_are_read_out_a_burst_at_a_time(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Chatter", ["bob"])
    alice = zoned_page(pages, "alice")
    open_room(alice, "Chatter")
    announcer = alice.locator("#message-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(alice.locator("#messages")).not_to_have_attribute("aria-live", re.compile(".*"))

    post_messages(chat_server, room_id, [("bob", "Hello there")])
    expect(announcer).to_have_text("bob: Hello there")
    long = "word " * 60
    post_messages(chat_server, room_id, [("bob", "One"), ("bob", "Two"), ("bob", long)])
    expect(body(alice, long.strip())).to_be_visible()
    expect(announcer).to_have_text(re.compile(r"^3 new messages; the latest from bob: (word ){20}"))
    assert len(announcer.text_content()) < 200
    # The user's own messages are not read back to them.
    alice.locator("#composer-input").fill("My own")
    alice.locator("#composer-input").press("Enter")
    expect(body(alice, "My own")).to_be_visible()
    alice.wait_for_timeout(2000)  # longer than a burst: nothing more is said
    expect(announcer).to_have_text(re.compile(r"^3 new messages"))


def with_avatars(envelope):
    """Give bob a picture and carol an address that is no web address, wherever they appear
    in the server's envelopes."""
    pictures = {"bob": "/static/bob.png", "carol": "javascript:alert(1)"}
    stack = [envelope]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("username") in pictures and "id" in node:
                node["avatar_url"] = pictures[node["username"]]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_a_sender_with_a_picture_shows_it_and_only_a_web_address(pages, chat_server):
    messages = [("bob", "Pictured"), ("carol", "Not pictured")]
    make_room(chat_server, "alice", "Faces", ["bob", "carol"], messages=messages)
    alice = pages.login("alice", socket_route=rewrite_envelopes(with_avatars))
    open_room(alice, "Faces")
    picture = message(alice, "Pictured").locator(".avatar img")
    expect(picture).to_have_attribute("src", "/static/bob.png")
    expect(picture).to_have_attribute("alt", "")
    expect(message(alice, "Not pictured").locator(".avatar img")).to_have_count(0)
    expect(message(alice, "Not pictured").locator(".avatar")).to_have_text("C")
