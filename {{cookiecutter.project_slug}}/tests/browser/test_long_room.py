"""Long rooms in a real Chromium: the page keeps a bounded window of the history in the DOM.

Rooms of thousands of messages are stored straight into the database in one statement, numbered
as the services number them (seq 1..n, the room's last_seq n), so seeding takes a second.
Every wait is for the page's DOM, never for time.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_chat_page import bodies, body, post_messages, room_button, seed, send

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

# The room list says how many messages are unread in each room's description.
UNREAD_600 = re.compile(r"\b600 unread")

WINDOW_SIZE = 250  # app/history-window.js
PAGE_SIZE = 50
# A room of 5,000 messages scrolled end to end costs at most this many times what a room of
# 200 loaded in full does, over what the page costs with no room open (without the window,
# some 25 times the elements and 5 times the heap).
GROWTH = 3

# Each message says which it is, at a length typical of a chat's messages.
FILLER = (
    "The numbers are in the shared folder; the review is on Thursday at ten, and whoever "
    "cannot come adds their notes to the document before then, so nothing waits a week."
)

SHOWN = "[...document.querySelectorAll('#messages .msg[data-seq]')]"
FIRST_SEQ = f"() => Number({SHOWN}[0].dataset.seq)"
LAST_SEQ = f"() => Number({SHOWN}.at(-1).dataset.seq)"


def text(n):
    """The text of message ``n`` of a long room."""
    return f"Long {n}. {FILLER}"


def long_room(server, name, count, *, unread=0):
    """A group of alice and bob with ``count`` messages (senders alternating), of which alice
    has read all but the last ``unread``. Returns the room's id."""
    output = seed(
        server,
        f"""
        from chat.models import Membership, Room
        room_id = services.room_create(
            user=users["alice"], kind="group", name={name!r}, members=["bob"]
        )["room"]["id"]
        base = Room.objects.get(pk=room_id).last_seq
        filler = {FILLER!r}
        senders = [users["alice"], users["bob"]]
        Message.objects.bulk_create(
            (
                Message(
                    room_id=room_id, seq=base + n, sender=senders[n % 2],
                    content=f"Long {{n}}. {{filler}}",
                    content_html=f"<p>Long {{n}}. {{filler}}</p>",
                )
                for n in range(1, {count} + 1)
            ),
            batch_size=1000,
        )
        last = base + {count}
        Room.objects.filter(pk=room_id).update(last_seq=last)
        Membership.objects.filter(room_id=room_id).update(
            last_read_seq=last, last_delivered_seq=last
        )
        Membership.objects.filter(room_id=room_id, user=users["alice"]).update(
            last_read_seq=last - {unread}
        )
        print(room_id)
        """,
    )
    return int(output.split()[-1])


def open_long_room(page, name):
    room_button(page, name).click()
    expect(page.locator("#room-title")).to_contain_text(name)


def shown_seqs(page):
    return page.locator("#messages .msg[data-seq]").evaluate_all(
        "items => items.map(item => Number(item.dataset.seq))"
    )


def assert_window(page):
    """The messages shown are in seq order, without gaps or repeats, and at most the bound."""
    seqs = shown_seqs(page)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
    assert len(seqs) <= WINDOW_SIZE + PAGE_SIZE, len(seqs)
    return seqs


def scroll_up(page):
    """Scroll to the top and wait for the older page to be shown; return the first seq."""
    first = page.evaluate(FIRST_SEQ)
    page.locator("#messages-scroll").evaluate("node => { node.scrollTop = 0; }")
    page.wait_for_function(f"first => ({FIRST_SEQ})() < first", arg=first)
    return assert_window(page)[0]


def scroll_down(page):
    """Scroll to the bottom and wait for the newer page to be shown; return the last seq."""
    last = page.evaluate(LAST_SEQ)
    page.locator("#messages-scroll").evaluate("node => { node.scrollTop = node.scrollHeight; }")
    page.wait_for_function(f"last => ({LAST_SEQ})() > last", arg=last)
    return assert_window(page)[-1]


def footprint(page):
    """(elements in the document, bytes of JS heap in use after a garbage collection)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
    cdp.detach()
    return page.evaluate("document.getElementsByTagName('*').length"), heap


def test_scrolling_through_5000_messages_keeps_the_page_as_small_as_200(
    pages, chat_server, artifacts
):
    long_room(chat_server, "Short history", 200)
    long_room(chat_server, "Long history", 5000)
    alice = pages.login("alice")
    # The page before any room is open: its code, its client. Messages cost what is on top.
    nodes_none, heap_none = footprint(alice)

    # The yardstick: a room of 200 messages, every one of them loaded.
    open_long_room(alice, "Short history")
    expect(bodies(alice).last).to_have_text(text(200))
    while alice.evaluate(FIRST_SEQ) > 1:
        scroll_up(alice)
    expect(alice.locator("#history-start")).to_be_visible()
    assert len(shown_seqs(alice)) == 200
    nodes_200, heap_200 = footprint(alice)

    open_long_room(alice, "Long history")
    expect(bodies(alice).last).to_have_text(text(5000))
    first = alice.evaluate(FIRST_SEQ)
    while first > 1:
        first = scroll_up(alice)
    expect(bodies(alice).first).to_have_text(text(1))
    expect(alice.locator("#history-start")).to_be_visible()
    expect(body(alice, text(5000))).to_have_count(0)
    expect(alice.get_by_role("button", name="Jump to latest")).to_be_visible()

    last = alice.evaluate(LAST_SEQ)
    while last < 5000:
        last = scroll_down(alice)
    expect(body(alice, text(5000))).to_be_visible()
    expect(alice.locator("#jump-latest")).to_be_hidden()
    expect(body(alice, text(1))).to_have_count(0)
    nodes_5000, heap_5000 = footprint(alice)

    figures = {"nodes_no_room": nodes_none, "heap_no_room": heap_none}
    figures |= {"nodes_200": nodes_200, "heap_200": heap_200}
    figures |= {"nodes_after_5000": nodes_5000, "heap_after_5000": heap_5000}
    (artifacts / "long-room-figures.json").write_text(json.dumps(figures, indent=2))
    print(figures)
    assert nodes_5000 - nodes_none <= GROWTH * (nodes_200 - nodes_none), figures
    assert heap_5000 - heap_none <= GROWTH * (heap_200 - heap_none), figures


def test_a_room_with_600_unread_opens_at_the_first_unread(pages, chat_server):
    long_room(chat_server, "Backlog", 1000, unread=600)
    alice = pages.login("alice")
    expect(room_button(alice, "Backlog")).to_have_accessible_description(UNREAD_600)
    open_long_room(alice, "Backlog")

    expect(body(alice, text(401))).to_be_in_viewport()
    expect(body(alice, text(1000))).to_have_count(0)
    expect(alice.get_by_role("button", name="Jump to latest")).to_be_visible()
    seqs = assert_window(alice)
    assert seqs[0] < 401 < seqs[-1], seqs
    # Nothing was marked read by opening: the unseen messages below stay unread.
    expect(room_button(alice, "Backlog")).to_have_accessible_description(UNREAD_600)

    # Reading on to the window's bottom marks read what was scrolled past, and no further.
    scroll_down(alice)
    backlog = room_button(alice, "Backlog")
    expect(backlog).not_to_have_accessible_description(UNREAD_600)
    about = backlog.evaluate(
        "node => document.getElementById(node.getAttribute('aria-describedby')).textContent"
    )
    assert 0 < int(re.search(r"(\d+) unread", about).group(1)) < 600, about


def test_a_link_into_the_middle_of_5000_messages_loads_around_it(pages, chat_server):
    room_id = long_room(chat_server, "Archive of 5000", 5000)
    bob = pages.login("bob")
    bob.goto(f"/rooms/{room_id}/messages/2500/")
    found = bob.locator("#messages .msg.found")
    expect(found.locator(".msg-body")).to_have_text(text(2500))
    expect(found).to_be_in_viewport()
    seqs = assert_window(bob)
    assert seqs[0] < 2500 < seqs[-1] < 5000, seqs
    expect(bob.get_by_role("button", name="Jump to latest")).to_be_visible()

    # Both ways from there, a page at a time.
    for _ in range(3):
        first = scroll_up(bob)
    assert first < seqs[0] - 2 * PAGE_SIZE
    last = bob.evaluate(LAST_SEQ)
    for _ in range(8):
        last = scroll_down(bob)
    assert last > seqs[-1], last
    expect(body(bob, text(5000))).to_have_count(0)


def test_a_live_message_while_scrolled_far_up_waits_behind_jump_to_latest(pages, chat_server):
    room_id = long_room(chat_server, "Busy room", 1000)
    alice = pages.login("alice")
    open_long_room(alice, "Busy room")
    expect(bodies(alice).last).to_have_text(text(1000))
    # Scrolled up past the window's bound: the newest messages are unloaded.
    while alice.evaluate(LAST_SEQ) == 1000:
        scroll_up(alice)
    scroll_up(alice)
    seqs = assert_window(alice)
    nodes = alice.evaluate("document.getElementsByTagName('*').length")
    # Every request the page makes from here on, by event type.
    alice.evaluate(
        """() => {
            const client = window.chatClient;
            const request = client.request.bind(client);
            window.asked = [];
            client.request = (type, data) => (window.asked.push(type), request(type, data));
        }"""
    )

    post_messages(chat_server, room_id, [("bob", "Live while away")])
    # The page has it (the room's count moved) but does not show it, and asks for nothing:
    # the unloaded messages are not a gap.
    expect(room_button(alice, "Busy room")).to_have_accessible_description(
        re.compile(r"\b1 unread")
    )
    expect(body(alice, "Live while away")).to_have_count(0)
    assert shown_seqs(alice) == seqs
    assert alice.evaluate("document.getElementsByTagName('*').length") == nodes
    asked = alice.evaluate("window.asked")
    assert "room.messages" not in asked, asked

    alice.get_by_role("button", name="Jump to latest").click()
    expect(body(alice, "Live while away")).to_be_in_viewport()
    assert_window(alice)
    expect(room_button(alice, "Busy room")).not_to_have_accessible_description(re.compile("unread"))

    # Far up again, the user's own message takes them to the latest.
    while alice.evaluate(LAST_SEQ) > 1000:
        scroll_up(alice)
    send(alice, "Mine from far up")
    expect(body(alice, "Mine from far up")).to_be_in_viewport()
    expect(body(alice, "Live while away")).to_be_visible()
    assert_window(alice)


def test_a_room_left_open_at_its_newest_stays_bounded_as_messages_arrive(pages, chat_server):
    room_id = long_room(chat_server, "Open all day", 1000)
    alice = pages.login("alice")
    open_long_room(alice, "Open all day")
    expect(bodies(alice).last).to_have_text(text(1000))
    while len(shown_seqs(alice)) < WINDOW_SIZE:
        scroll_up(alice)
    assert assert_window(alice)[-1] == 1000
    alice.locator("#messages-scroll").evaluate("node => { node.scrollTop = node.scrollHeight; }")

    post_messages(chat_server, room_id, [("bob", f"Arrived {n}") for n in range(1, 11)])
    expect(bodies(alice).last).to_have_text("Arrived 10")
    expect(bodies(alice).last).to_be_in_viewport()
    # The oldest made way: as many shown as before, in order.
    seqs = assert_window(alice)
    assert (len(seqs), seqs[-1]) == (WINDOW_SIZE, 1010), seqs
    expect(alice.locator("#load-older")).to_be_visible()


def test_a_quote_of_an_unloaded_message_opens_the_page_around_it(pages, chat_server):
    room_id = long_room(chat_server, "Long thread of replies", 1000)
    seed(
        chat_server,
        f"""
        quoted = Message.objects.get(room_id={room_id}, content__startswith="Long 5.")
        services.message_send(
            user=users["bob"], room_id={room_id}, content="As said at the start", reply_to=quoted.pk
        )
        """,
    )
    alice = pages.login("alice")
    open_long_room(alice, "Long thread of replies")
    expect(bodies(alice).last).to_have_text("As said at the start")
    expect(body(alice, text(5))).to_have_count(0)

    alice.locator("#messages .msg-quote").last.click()
    found = alice.locator("#messages .msg.found")
    expect(found.locator(".msg-body")).to_have_text(text(5))
    expect(found).to_be_in_viewport()
    assert assert_window(alice)[0] == 1
    expect(alice.get_by_role("button", name="Jump to latest")).to_be_visible()
