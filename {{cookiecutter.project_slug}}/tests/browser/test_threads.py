"""Threads in a real Chromium: started from a message, replied to from the thread panel,
followed, notified, and shown with their count in the room; the panel is the whole view on
a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PHONE
from tests.browser.test_chat_page import body, choose_action, make_room, message, open_room, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def start_thread(page, text):
    """Open the thread of the message ``text`` from its "More actions" menu."""
    choose_action(message(page, text), "Reply in thread")


def reply_in_thread(page, text, also_to_room=False):
    panel = page.locator("#thread-panel")
    panel.get_by_label("Also send to room").set_checked(also_to_room)
    composer = panel.get_by_label("Reply in thread")
    composer.fill(text)
    composer.press("Enter")
    expect(panel.locator("#thread-replies .msg-body", has_text=text)).to_be_visible()


def test_two_users_start_follow_and_answer_a_thread(pages, chat_server):
    make_room(chat_server, "alice", "Plans", ["bob"], messages=[("alice", "Where shall we eat?")])
    alice = pages.login("alice")
    bob = pages.login("bob")
    open_room(alice, "Plans")
    open_room(bob, "Plans")

    # Bob starts the thread from the message's actions and follows it by replying.
    start_thread(bob, "Where shall we eat?")
    panel = bob.locator("#thread-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#thread-root")).to_contain_text("Where shall we eat?")
    reply_in_thread(bob, "The noodle place")
    expect(panel.get_by_role("button", name="Following")).to_have_attribute("aria-pressed", "true")
    # The reply stays out of the room's timeline; the root shows the thread's summary.
    expect(body(bob, "The noodle place")).to_have_count(0)
    summary = message(alice, "Where shall we eat?").locator(".thread-summary")
    expect(summary).to_contain_text("1 reply")
    expect(summary).to_contain_text("bob")
    expect(body(alice, "The noodle place")).to_have_count(0)

    # Alice, the root's author, follows it now: notified, and her Threads list counts it.
    expect(alice.locator("#notifications-count")).to_have_text("1")
    expect(alice.locator("#threads-count")).to_have_text("1")
    alice.get_by_role("button", name=re.compile(r"^Threads")).click()
    expect(alice.locator("#threads-list")).to_contain_text("Where shall we eat?")

    # She opens the thread from the keyboard, reads the reply and answers to the room too.
    summary.focus()
    alice.keyboard.press("Enter")
    alice_panel = alice.locator("#thread-panel")
    expect(alice_panel.locator("#thread-replies")).to_contain_text("The noodle place")
    expect(alice.locator("#threads-count")).to_be_hidden()
    reply_in_thread(alice, "Booked for seven", also_to_room=True)
    expect(body(alice, "Booked for seven")).to_be_visible()
    expect(body(bob, "Booked for seven")).to_be_visible()
    expect(panel.locator("#thread-replies")).to_contain_text("Booked for seven")
    expect(message(bob, "Where shall we eat?").locator(".thread-summary")).to_contain_text(
        "2 replies"
    )

    # Unfollowing and following again, from the panel's toggle.
    toggle = alice_panel.locator("#thread-follow")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    alice_panel.get_by_role("button", name="Close thread").click()
    expect(alice_panel).to_be_hidden()
    assert pages.csp_violations() == []


def test_on_a_phone_one_tap_on_a_summary_opens_the_thread_as_the_whole_view(pages, chat_server):
    room = make_room(chat_server, "alice", "Pocket", ["bob"], messages=[("alice", "Phone root")])
    seed(
        chat_server,
        f"""
        root = Message.objects.get(room_id={room})
        services.message_send(
            user=users["bob"], room_id={room}, content="From bob", thread_root_id=root.pk
        )
        """,
    )
    alice = pages.login("alice", viewport=PHONE)
    open_room(alice, "Pocket")
    expect(body(alice, "From bob")).to_have_count(0)
    message(alice, "Phone root").locator(".thread-summary").tap()
    panel = alice.locator("#thread-panel")
    expect(panel.locator("#thread-replies")).to_contain_text("From bob")
    box = panel.bounding_box()
    assert (box["x"], box["y"], box["width"]) == (0, 0, PHONE["width"])
    reply_in_thread(alice, "From my phone")
    panel.get_by_role("button", name="Close thread").click()
    expect(message(alice, "Phone root").locator(".thread-summary")).to_contain_text("2 replies")


def test_a_long_thread_loads_its_older_replies_on_demand(pages, chat_server):
    room = make_room(chat_server, "alice", "Long", ["bob"], messages=[("alice", "Long root")])
    seed(
        chat_server,
        f"""
        root = Message.objects.get(room_id={room})
        for i in range(52):
            services.message_send(
                user=users["bob"], room_id={room}, content=f"reply {{i}}", thread_root_id=root.pk
            )
        """,
    )
    alice = pages.login("alice")
    open_room(alice, "Long")
    message(alice, "Long root").locator(".thread-summary").click()
    replies = alice.locator("#thread-replies .msg")
    expect(replies).to_have_count(50)
    expect(replies.first).to_contain_text("reply 2")
    alice.get_by_role("button", name="Load older replies").click()
    expect(replies).to_have_count(52)
    expect(replies.first).to_contain_text("reply 0")
    expect(alice.get_by_role("button", name="Load older replies")).to_be_hidden()


def test_a_thread_reply_notification_opens_its_thread(pages, chat_server):
    room = make_room(chat_server, "alice", "Notes", ["bob"], messages=[("alice", "Notes root")])
    alice = pages.login("alice")
    seed(
        chat_server,
        f"""
        root = Message.objects.get(room_id={room})
        services.message_send(
            user=users["bob"], room_id={room}, content="Seen it", thread_root_id=root.pk
        )
        """,
    )
    # The module's server is shared: other tests' notifications may be listed too.
    alice.get_by_role("button", name=re.compile(r"^Notifications")).click()
    notifications = alice.locator("#notifications-list")
    notifications.get_by_text("bob replied in a thread you follow in Notes").click()
    expect(alice.locator("#thread-replies")).to_contain_text("Seen it")
    expect(alice.locator("#room-title")).to_contain_text("Notes")
    expect(body(alice, "Seen it")).to_have_count(0)


def test_a_busy_thread_leaves_the_rooms_timeline_whole_and_search_opens_its_replies(
    pages, chat_server
):
    room = make_room(chat_server, "alice", "Busy", ["bob"], messages=[("alice", "Before")])
    seed(
        chat_server,
        f"""
        root = services.message_send(user=users["alice"], room_id={room}, content="Busy root")
        for i in range(60):
            services.message_send(
                user=users["bob"], room_id={room}, content=f"busy reply {{i}}",
                thread_root_id=root["message"]["id"],
            )
        services.message_send(user=users["bob"], room_id={room}, content="After the thread")
        """,
    )
    alice = pages.login("alice")
    # The page's history requests, counted from the socket's frames after a reload.
    pages_asked = []

    def watch(socket):
        socket.on(
            "framesent",
            lambda frame: pages_asked.append(frame) if "room.messages" in str(frame) else None,
        )

    alice.on("websocket", watch)
    alice.reload()
    expect(alice.locator("#chat")).to_have_attribute("data-connection", "open")
    open_room(alice, "Busy")
    expect(body(alice, "After the thread")).to_be_visible()
    expect(body(alice, "Before")).to_be_visible()
    expect(message(alice, "Busy root").locator(".thread-summary")).to_contain_text("60 replies")
    expect(alice.locator("#messages .msg")).to_have_count(3)
    # One page held the whole timeline: the 60 replies did not push it into more requests.
    assert len(pages_asked) == 1, pages_asked

    alice.get_by_label("Search messages").fill("reply 42")
    alice.get_by_role("button", name="Search", exact=True).click()
    result = alice.locator("#search-results .search-open", has_text="busy reply 42")
    expect(result).to_contain_text("in a thread")
    result.click()
    expect(alice.locator("#thread-replies")).to_contain_text("busy reply 42")
