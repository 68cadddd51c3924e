"""A newcomer's way in, in a real Chromium: an admin makes an invitation in the page, its email
arrives at a real SMTP server on loopback, and the newcomer follows the links in what arrives
(the invitation, then the address's confirmation) into the chat and the room it names, where
what they write reaches the admin's open page.

The server runs with its production mail settings pointed at aiosmtpd (testservers/smtp.py),
sign-up by invitation (CHAT_SIGNUP's default) and mandatory email verification (the default).
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import check_page
from tests.browser.test_chat_page import body, make_room, open_room, room_button, send
from testservers.live import run_django

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SMTP = True
NEW_PASSWORD = "a-pass-phrase-for-newcomers"
# How long an email may take to reach the SMTP server: a request's send, on a loaded machine.
MAIL_TIMEOUT = 30

STAFF = """
from django.contrib.auth import get_user_model
get_user_model().objects.filter(username="alice").update(is_staff=True)
"""


@pytest.fixture(scope="module")
def launch(chat_server):
    """A group alice runs, and alice on staff: she may make invitations and name it in them."""
    run_django(chat_server.env, STAFF)
    return make_room(chat_server, "alice", "Launch", ["bob"], messages=[("alice", "Welcome!")])


def mail_to(smtp, address, count=1):
    """The first ``count`` messages for ``address``, once they have arrived (the SMTP server
    writes each to its Maildir as it accepts it; nothing else tells that one came)."""
    deadline = time.monotonic() + MAIL_TIMEOUT
    while True:
        found = [message for message in smtp.messages() if message["To"] == address]
        if len(found) >= count:
            return found[:count]
        assert time.monotonic() < deadline, f"no email for {address} in {MAIL_TIMEOUT} s"
        time.sleep(0.05)


def link_in(message, server, path):
    text = message.get_body(("plain",)).get_content()
    found = re.search(re.escape(server.url + path) + r"\S+", text)
    assert found, text
    return found.group(0)


def make_invitation(pages, email):
    """Alice makes an invitation to Launch on the Invitations page; returns the link shown."""
    page = pages.login("alice")
    page.goto("/accounts/invitations/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("checkbox", name="Launch").check()
    check_page(page, "the Invitations page, filled in")
    page.get_by_role("button", name="Make invitation").click()
    shown = page.get_by_role("status")
    expect(shown).to_contain_text("Invitation made.")
    listed = page.locator(".account-list li", has_text=email or "Anyone with the link")
    expect(listed).to_contain_text("joins Launch")
    check_page(page, "the Invitations page with a new link")
    return page.get_by_label("Invitation link").input_value()


def sign_up(page, username, email=None):
    """Fill the sign-up form the invitation led to, as a newcomer would."""
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    check_page(page, "the sign-up form of an invitation")
    if email is not None:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()


def first_words_reach_the_admin(newcomer, admin, name, text):
    """The newcomer is in the chat with Launch listed; what they write there, alice reads."""
    expect(newcomer).to_have_url(re.compile(r"/$"))
    expect(newcomer.locator("#chat")).to_have_attribute("data-connection", "open")
    expect(room_button(newcomer, "Launch")).to_be_visible()
    open_room(newcomer, "Launch")
    expect(body(newcomer, "Welcome!")).to_be_visible()
    check_page(newcomer, f"{name}'s first look at Launch")
    send(newcomer, text)
    expect(body(admin, text)).to_be_visible()
    expect(admin.locator("#messages .msg", has_text=text).locator(".msg-sender")).to_have_text(name)
    check_page(admin, f"the admin's room with {name}'s first message")


def test_an_emailed_invitation_brings_a_newcomer_into_its_room(pages, chat_server, launch):
    """The invitation's email is the address's proof: the newcomer signs up through its link
    and is in the chat at once, with no confirmation email to wait for."""
    admin = pages.login("alice")
    open_room(admin, "Launch")
    make_invitation(pages, "dora@example.com")

    (invitation,) = mail_to(chat_server.smtp, "dora@example.com")
    assert invitation["Subject"] == "[Team Chat] Your invitation"
    assert "alice invites you to Team Chat" in invitation.get_body(("plain",)).get_content()
    dora = pages.open("dora")
    dora.goto(link_in(invitation, chat_server, "/accounts/invite/"))
    expect(dora.get_by_label("Email")).to_have_value("dora@example.com")
    sign_up(dora, "dora")

    first_words_reach_the_admin(dora, admin, "dora", "Hello from Dora!")
    # Nothing to confirm: the invitation is the only email she got.
    assert [m["To"] for m in chat_server.smtp.messages()].count("dora@example.com") == 1


def test_a_shared_invitation_link_signs_up_once_the_address_is_confirmed(
    pages, chat_server, launch
):
    """A link for anyone: the address the newcomer gives is confirmed by the link emailed to
    it before they get in."""
    admin = pages.login("alice")
    open_room(admin, "Launch")
    link = make_invitation(pages, "")

    erin = pages.open("erin")
    erin.goto(link)
    sign_up(erin, "erin", email="erin@example.com")
    expect(erin).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(erin.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    check_page(erin, "the page asking to confirm the address")

    (confirmation,) = mail_to(chat_server.smtp, "erin@example.com")
    assert confirmation["Subject"].startswith("[Team Chat] ")
    erin.goto(link_in(confirmation, chat_server, "/accounts/confirm-email/"))
    expect(erin.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    check_page(erin, "the address's confirmation page")
    erin.get_by_role("button", name="Confirm").click()

    first_words_reach_the_admin(erin, admin, "erin", "Hello from Erin!")
