"""A forgotten password, in a real Chromium: from the login form's "Forgot your password?" to
the chat, through the email a real SMTP server on loopback receives; then the spent link and
the old password open nothing.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.browser.journeys import check_page
from tests.browser.test_signup_journeys import link_in, mail_to
from testservers.live import run_django

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SMTP = True
NEW_PASSWORD = "a-new-pass-phrase-for-bob"

AN_ADDRESS = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
bob = get_user_model().objects.get(username="bob")
EmailAddress.objects.create(user=bob, email="bob@example.com", primary=True, verified=True)
"""


def log_in(page, login, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_forgotten_password_is_reset_from_the_emailed_link(pages, chat_server):
    run_django(chat_server.env, AN_ADDRESS)
    page = pages.open("bob at the login form")
    page.goto("/accounts/login/")
    page.get_by_role("link", name=re.compile("Forgot your password", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/$"))
    check_page(page, "the password reset form")
    page.get_by_label("Email").fill("bob@example.com")
    page.get_by_label("Email").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    check_page(page, "the page saying the email is on its way")

    (message,) = mail_to(chat_server.smtp, "bob@example.com")
    link = link_in(message, chat_server, "/accounts/password/reset/key/")
    page.goto(link)
    # The key leaves the address bar (and Referer headers) before the form shows.
    expect(page).to_have_url(re.compile(r"-set-password/$"))
    check_page(page, "the new password form")
    page.get_by_label(re.compile(r"^new password$", re.I)).fill(NEW_PASSWORD)
    again = page.get_by_label(re.compile(r"^new password \(again\)$", re.I))
    again.fill(NEW_PASSWORD)
    again.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/key/done/$"))
    check_page(page, "the page saying the password changed")

    log_in(page, "bob@example.com", NEW_PASSWORD)
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")

    # The link is spent, and the old password opens nothing.
    stranger = pages.open("someone with the old email")
    stranger.goto(link)
    heading = stranger.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile("bad|invalid", re.I))
    log_in(stranger, "bob", PASSWORD)
    expect(stranger).to_have_url(re.compile(r"/accounts/login/"))
    expect(stranger.locator("#chat")).to_have_count(0)
