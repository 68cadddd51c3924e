"""Deleting an account from the page when it has an authenticator app: the dialog asks for
the password or a code of the app, refuses a wrong code with a clear error, and deletes with
the right one; axe checks the dialog in light and dark."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.pages import PASSWORD
from tests.browser.test_profile_page import color_scheme
from tests.security.test_access_tokens import totp
from testservers.live import create_users, run_django

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ACTIVATE = """
from django.contrib.auth import get_user_model
from allauth.mfa.totp.internal.auth import TOTP
TOTP.activate(get_user_model().objects.get(username="fern"), {secret!r})
"""
EXISTS = """
from django.contrib.auth import get_user_model
print(get_user_model().objects.filter(username="fern").exists())
"""


def test_a_user_with_an_authenticator_app_deletes_their_account_with_a_code(pages, chat_server):
    create_users(chat_server.env, "fern", password=PASSWORD)
    fern = pages.login("fern")  # logged in before the app is set up: no second step
    run_django(chat_server.env, ACTIVATE.format(secret=SECRET))
    fern.reload()
    expect(fern.locator("#chat")).to_have_attribute("data-connection", "open")
    fern.get_by_role("button", name="Profile").click()
    fern.get_by_role("button", name="Delete my account…").click()
    dialog = fern.get_by_role("dialog", name="Delete your account?")
    code = dialog.get_by_label("Or a code from your authenticator app")
    expect(dialog.get_by_label("Your password")).to_be_visible()
    for scheme in ("light", "dark"):
        color_scheme(fern, scheme)
        assert_accessible(
            fern, f"the deletion dialog with a code ({scheme})", "#delete-account-dialog"
        )

    wrong = f"{(int(totp(SECRET)) + 500_000) % 1_000_000:06d}"
    code.fill(wrong)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_role("alert")).to_contain_text("That code is not right")
    assert run_django(chat_server.env, EXISTS).strip() == "True"
    code.fill(totp(SECRET))
    dialog.get_by_role("button", name="Delete my account").click()
    expect(fern).to_have_url(re.compile(r"/accounts/login/"))
    assert run_django(chat_server.env, EXISTS).strip() == "False"
