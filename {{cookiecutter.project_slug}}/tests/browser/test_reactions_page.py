"""Reactions and message links in a real Chromium, two users on a real server.

Reactions: any emoji from the picker (searched by name, the recently used first, chosen with
the keyboard), counted on each message with who reacted shown on hover and to assistive
technology, and toggled from their chips. Links: a message's link opens it for a member,
in view and highlighted, and tells anyone else nothing (the same as a message that does not
exist); "Copy link" puts it on the clipboard and says so.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import (
    choose_action,
    make_room,
    message,
    open_room,
    post_messages,
    seed,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

UNAVAILABLE = "This message is not available."


def chip(page, text, emoji):
    return message(page, text).locator(".reaction", has_text=emoji)


def open_picker(page, text):
    choose_action(message(page, text), "React")
    picker = page.get_by_role("dialog", name="Pick a reaction")
    expect(picker).to_be_visible()
    return picker


def test_two_users_react_with_two_emoji_and_see_who(pages, chat_server):
    make_room(chat_server, "alice", "Lunch", ["bob"], messages=[("alice", "Pizza at noon?")])
    alice, bob = pages.login("alice"), pages.login("bob")
    for page in (alice, bob):
        open_room(page, "Lunch")

    # Alice searches by name and chooses with the keyboard: focus returns to the message.
    picker = open_picker(alice, "Pizza at noon?")
    search = picker.get_by_role("combobox", name="Search emoji by name")
    expect(search).to_be_focused()
    search.press_sequentially("party pop")
    expect(picker.get_by_role("option", name="party popper")).to_have_attribute(
        "aria-selected", "true"
    )
    search.press("Enter")
    expect(picker).to_be_hidden()
    expect(message(alice, "Pizza at noon?")).to_be_focused()
    more = message(alice, "Pizza at noon?").get_by_role("button", name="More actions")
    expect(more).to_have_attribute("aria-expanded", "false")

    # Bob adds the same emoji from its chip and another from the picker, with arrow keys.
    chip(bob, "Pizza at noon?", "🎉").click()
    picker = open_picker(bob, "Pizza at noon?")
    search = picker.get_by_role("combobox", name="Search emoji by name")
    search.press_sequentially("thumbs")
    expect(picker.get_by_role("option", name="thumbs down")).to_have_attribute(
        "aria-selected", "true"
    )
    search.press("ArrowRight")
    expect(picker.get_by_role("option", name="thumbs up")).to_have_attribute(
        "aria-selected", "true"
    )
    search.press("Enter")

    for page in (alice, bob):
        party, thumbs = chip(page, "Pizza at noon?", "🎉"), chip(page, "Pizza at noon?", "👍")
        expect(party).to_have_attribute("aria-label", "2 reactions with 🎉: alice and bob")
        expect(party).to_have_attribute("title", "2 reactions with 🎉: alice and bob")
        expect(party.locator(".reaction-count")).to_have_text("2")
        expect(thumbs).to_have_attribute("aria-label", "1 reaction with 👍: bob")
    expect(chip(alice, "Pizza at noon?", "🎉")).to_have_attribute("aria-pressed", "true")
    expect(chip(alice, "Pizza at noon?", "👍")).to_have_attribute("aria-pressed", "false")
    expect(chip(bob, "Pizza at noon?", "👍")).to_have_attribute("aria-pressed", "true")

    # A chip of one's own takes one's reaction away, on both pages.
    chip(bob, "Pizza at noon?", "🎉").click()
    for page in (alice, bob):
        expect(chip(page, "Pizza at noon?", "🎉")).to_have_attribute(
            "aria-label", "1 reaction with 🎉: alice"
        )
    expect(chip(bob, "Pizza at noon?", "🎉")).to_have_attribute("aria-pressed", "false")
    expect(chip(alice, "Pizza at noon?", "🎉")).to_have_attribute("aria-pressed", "true")

    # The recently used come first; Escape closes the picker and focus goes back to the message.
    picker = open_picker(bob, "Pizza at noon?")
    recent = picker.get_by_role("group", name="Recently used").get_by_role("option")
    expect(recent).to_have_count(1)
    expect(recent).to_have_attribute("aria-label", "thumbs up")
    picker.get_by_role("combobox").press("Escape")
    expect(picker).to_be_hidden()
    expect(message(bob, "Pizza at noon?")).to_be_focused()


def test_focus_returns_to_the_message_when_it_changed_under_the_picker(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Busy", ["bob"], messages=[("alice", "Vote")])
    alice = pages.login("alice")
    open_room(alice, "Busy")
    picker = open_picker(alice, "Vote")
    picker.get_by_role("combobox").press_sequentially("rocket")
    # Bob reacts meanwhile: Alice's message is drawn again, as a new element.
    seed(
        chat_server,
        f"""
        message = Message.objects.get(room_id={room_id}, seq=1)
        services.message_react(user=users["bob"], message_id=message.pk, emoji="👀")
        """,
    )
    expect(chip(alice, "Vote", "👀")).to_be_visible()
    picker.get_by_role("combobox").press("Enter")
    expect(chip(alice, "Vote", "🚀")).to_have_attribute("aria-pressed", "true")
    expect(message(alice, "Vote")).to_be_focused()


def test_a_message_link_opens_it_for_a_member_and_tells_others_nothing(pages, chat_server):
    room_id = make_room(
        chat_server, "alice", "Secret plans", ["bob"], messages=[("alice", "The hidden word")]
    )
    post_messages(chat_server, room_id, [("bob", f"Filler {i}") for i in range(1, 80)])
    link = f"/rooms/{room_id}/messages/1/"

    # A member lands on the message, in view and highlighted, older than the newest page.
    bob = pages.login("bob")
    bob.goto(link)
    expect(bob.locator("#room-title")).to_contain_text("Secret plans")
    linked = bob.locator("#messages .msg.found")
    expect(linked.locator(".msg-body")).to_have_text("The hidden word")
    expect(linked).to_be_in_viewport()
    # The address becomes the room's own: a reload opens the room, not the link again.
    expect(bob).to_have_url(re.compile(rf"/#room/{room_id}$"))

    # Anyone else: the same page and notice as for a message that does not exist.
    carol = pages.login("carol")
    outcomes = {}
    for label, path in {
        "outsider": link,
        "no such seq": f"/rooms/{room_id}/messages/999/",
        "no such room": "/rooms/987654/messages/1/",
    }.items():
        response = carol.request.get(path)
        assert response.status == 200
        assert "Secret plans" not in response.text() and "hidden word" not in response.text()
        carol.goto(path)
        expect(carol.locator("#notice")).to_have_text(UNAVAILABLE)
        expect(carol.locator("#room-pane")).to_be_hidden()
        outcomes[label] = carol.locator("#chat").inner_text()
    assert len(set(outcomes.values())) == 1, outcomes
    assert "Secret plans" not in outcomes["outsider"]
    # A member asking for a seq the room has not reached sees the same.
    bob.goto(f"/rooms/{room_id}/messages/999/")
    expect(bob.locator("#notice")).to_have_text(UNAVAILABLE)
    expect(bob.locator("#room-pane")).to_be_hidden()


def test_a_link_opened_logged_out_leads_through_the_login_to_the_message(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Notes", ["bob"], messages=[("alice", "Linked")])
    page = pages.open("bob, logged out")
    page.goto(f"/rooms/{room_id}/messages/1/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#messages .msg.found .msg-body")).to_have_text("Linked")


def test_a_link_into_a_public_channel_offers_to_join_it(pages, chat_server):
    room_id = make_room(
        chat_server, "alice", "Announcements", [], kind="channel", is_public=True,
        messages=[("alice", "Launch on Thursday")],
    )  # fmt: skip
    carol = pages.login("carol")
    carol.goto(f"/rooms/{room_id}/messages/1/")
    ask = carol.get_by_role("dialog", name="Join the public channel Announcements?")
    expect(ask).to_contain_text("Join it to read it here")
    ask.get_by_role("button", name="Join").click()
    expect(carol.locator("#messages .msg.found .msg-body")).to_have_text("Launch on Thursday")


def test_copy_link_puts_the_messages_link_on_the_clipboard(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Links", ["bob"], messages=[("bob", "Share me")])
    alice = pages.login("alice")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_room(alice, "Links")
    item = message(alice, "Share me")
    choose_action(item, "Copy link")
    expect(item).to_be_focused()  # focus stays on the message
    expect(alice.locator("#notice")).to_have_text("Link copied")
    expect(alice.locator("#notice")).to_have_attribute("role", "status")
    copied = alice.evaluate("navigator.clipboard.readText()")
    assert copied == f"{chat_server.url}/rooms/{room_id}/messages/1/"
