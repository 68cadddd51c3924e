"""Deleting one's account from the page, in a real Chromium, under each of
CHAT_DELETED_USER_MESSAGES's policies, as the people who stay see it: with "keep" their open
page shows the messages under "Deleted user"; with "remove" the messages are gone, there and
after a reload. Either way a room the deleted user led passes to a member, who is its admin."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import check_page
from tests.browser.pages import PASSWORD
from tests.browser.test_chat_page import (
    bodies,
    body,
    make_room,
    message,
    open_room,
    room_button,
    seed,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture(params=["keep", "remove"])
def policy(request, chat_server):
    """The server, restarted with CHAT_DELETED_USER_MESSAGES = the policy if it had another."""
    if chat_server.env.get("CHAT_DELETED_USER_MESSAGES", "keep") != request.param:
        chat_server.env["CHAT_DELETED_USER_MESSAGES"] = request.param
        chat_server.restart()
    return request.param


def delete_account(page):
    """Delete the page's account through the Profile dialog, password and all."""
    page.get_by_role("button", name="Profile").click()
    page.get_by_role("button", name="Delete my account…").click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    check_page(page, "the account deletion dialog", include="#delete-account-dialog")
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def shows_what_is_left(page, said, policy):
    """ "keep": the deleted user's messages, under "Deleted user"; "remove": none of them."""
    if policy == "keep":
        for text in said:
            expect(message(page, text).locator(".msg-sender")).to_have_text("Deleted user")
    else:
        for text in said:
            expect(bodies(page).filter(has_text=text)).to_have_count(0)


def direct_room_outlives(page, pair, gone):
    """Their direct room stays bob's, no longer named after them."""
    expect(room_button(page, gone)).to_have_count(0)
    expect(page.locator(f'#room-list .room-item[data-room-id="{pair}"]')).to_have_text(
        re.compile(r"Direct message")
    )


def bob_leads(page, gone, policy):
    """The room's details on bob's page: he is its admin, with an admin's controls."""
    page.get_by_role("button", name="Details").click()
    members = page.locator("#members-list li.member")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="bob")).to_contain_text("admin")
    expect(members.filter(has_text=gone)).to_have_count(0)
    expect(page.get_by_role("button", name="Remove carol")).to_be_visible()
    check_page(page, f"the room's details after its owner left ({policy})", "#details-dialog")
    page.keyboard.press("Escape")
    expect(page.locator("#details-dialog")).to_be_hidden()


def test_deleting_an_account_keeps_or_removes_its_messages(pages, chat_server, policy):
    name = f"frank-{policy}"
    seed(
        chat_server,
        f"""
        users["bob"].__class__.objects.create_user(username={name!r}, password={PASSWORD!r})
        """,
    )
    said = [f"{name} was here", f"{name} says goodbye"]
    room = f"Workshop {policy}"
    make_room(
        chat_server,
        name,
        room,
        ["bob", "carol"],
        messages=[(name, said[0]), ("bob", "Hello there"), (name, said[1])],
    )
    pair = make_room(chat_server, name, "", ["bob"], kind="direct", messages=[(name, "Just us")])
    bob = pages.login("bob")
    open_room(bob, room)
    for text in said:
        expect(body(bob, text)).to_be_visible()
    expect(room_button(bob, name)).to_be_visible()  # their direct room, named after them
    leaver = pages.login(name, form=True)

    delete_account(leaver)
    check_page(leaver, "the login page after deleting the account")

    # bob's open page: the messages shown at once as the policy says, the room led by him.
    expect(bob.locator("#room-title")).to_contain_text(room)
    shows_what_is_left(bob, said, policy)
    direct_room_outlives(bob, pair, name)
    check_page(bob, f"the room after a member deleted their account ({policy})")
    bob_leads(bob, name, policy)

    # And so it stays after a reload.
    bob.reload()
    expect(bob.locator("#chat")).to_have_attribute("data-connection", "open")
    open_room(bob, room)
    expect(body(bob, "Hello there")).to_be_visible()
    shows_what_is_left(bob, said, policy)
    bob_leads(bob, name, policy)
    direct_room_outlives(bob, pair, name)
