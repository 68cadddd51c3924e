"""Invitations in a real Chromium: someone Bob shares no conversation with asks him into a
room; he answers from the notifications panel, with the keyboard alone."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.pages import frames_to_page
from tests.browser.test_chat_page import room_button, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def invite(server, creator, name, members):
    """Create a room the way the default rule does: people who are strangers are invited."""
    seed(
        server,
        f"""
        from django.conf import settings
        settings.CHAT = {{**settings.CHAT, "ADD_WITHOUT_CONSENT": "shared"}}
        services.room_create(user=users[{creator!r}], kind="group", name={name!r},
                             members={list(members)!r})
        """,
    )


def test_an_accepted_invitation_opens_its_room_whichever_event_comes_first(pages, chat_server):
    """The accept's reply and the room.created event race; here the event comes second.

    First in the module, on a server where bob has opened no room yet."""
    invite(chat_server, "carol", "Retreat", ["bob"])  # carol and bob share no room
    held = []

    def created_after_the_reply(frame, send):
        event_type = json.loads(frame).get("event_type")
        if event_type == "room.created":
            held.append(frame)
            return
        send(frame)
        if event_type == "invitation.accept":
            for created in held:
                send(created)

    bob = pages.login("bob", socket_route=frames_to_page(created_after_the_reply))
    toggle = bob.locator("#notifications-button")
    expect(toggle).to_have_accessible_description("1 invitation")
    toggle.click()
    bob.locator("#invitations-list li").first.get_by_role("button", name="Accept").click()
    expect(bob.locator("#room-title")).to_contain_text("Retreat")
    assert held, "no room.created passed through the route"
    # Strangers again, so the next test's invitations are invitations.
    seed(
        chat_server,
        """
        from chat.models import Room
        services.room_leave(user=users["bob"], room_id=Room.objects.get(name="Retreat").pk)
        """,
    )


def test_bob_accepts_one_invitation_and_declines_another_from_the_keyboard(pages, chat_server):
    invite(chat_server, "alice", "Offsite", ["bob"])
    bob = pages.login("bob")
    toggle = bob.locator("#notifications-button")
    expect(toggle).to_have_accessible_description("1 invitation")
    expect(room_button(bob, "Offsite")).to_have_count(0)  # not a member until he says yes
    invite(chat_server, "carol", "Raffle", ["bob"])  # arrives live, as room.invited
    expect(toggle).to_have_accessible_description("2 invitations")

    toggle.focus()
    bob.keyboard.press("Enter")
    invitations = bob.locator("#invitations-list li")
    expect(invitations).to_have_count(2)
    expect(invitations.first).to_contain_text("carol invites you to the group Raffle")
    decline = invitations.first.get_by_role("button", name="Decline")
    expect(decline).to_have_accessible_description("carol invites you to the group Raffle")
    decline.focus()
    bob.keyboard.press("Enter")
    expect(invitations).to_have_count(1)
    # Focus stays in the list, on what is left to answer.
    expect(invitations.first.get_by_role("button", name="Accept")).to_be_focused()
    bob.keyboard.press("Enter")
    expect(bob.locator("#room-title")).to_contain_text("Offsite")
    expect(room_button(bob, "Offsite")).to_have_count(1)
    expect(room_button(bob, "Raffle")).to_have_count(0)
    expect(bob.locator("#invitations-heading")).to_be_hidden()
    expect(toggle).to_have_accessible_description("")
