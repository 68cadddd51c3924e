"""The account pages (django-allauth's, in the site's templates): their look, their labels and
errors, and axe's checks in light and dark mode."""

import re

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.pages import PASSWORD
from testservers.live import run_django

pytestmark = [pytest.mark.timeout(300)]

SCHEMES = ["light", "dark"]

ANONYMOUS_PAGES = [
    ("/accounts/login/", "Log in"),
    ("/accounts/signup/", "Sign-up is by invitation"),
    ("/accounts/invite/not-a-token/", "This invitation cannot be used"),
    ("/accounts/password/reset/", "Password Reset"),
    ("/accounts/password/reset/done/", "Password Reset"),
    ("/accounts/confirm-email/", "Verify Your Email Address"),
]
ACCOUNT_PAGES = [
    ("/accounts/password/change/", "Change Password"),
    ("/accounts/email/", "Email Address"),
    ("/accounts/reauthenticate/", "Confirm Access"),
    ("/accounts/logout/", "Sign Out"),
    ("/accounts/invitations/", "Invitations"),
    ("/accounts/tokens/", "Access tokens"),
    ("/accounts/2fa/", "Two-Factor Authentication"),
]

INVITE = """
from django.contrib.auth import get_user_model
from accounts import invitations
alice = get_user_model().objects.get(username="alice")
alice.is_staff = True
alice.save()
print(invitations.create(created_by=alice, days=1, max_uses=10)[1])
"""


@pytest.fixture(scope="module")
def invitation_link(chat_server):
    """A link anyone may sign up through, and alice, a staff member who may invite."""
    return "/accounts/invite/" + run_django(chat_server.env, INVITE).strip() + "/"


def check(page, path, heading, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(heading))
    # The site's frame: its header and stylesheet, the card look.
    expect(page.locator(".site-header")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#main')).maxWidth") != "none"
    assert_accessible(page, f"{path} ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_pages_before_logging_in_pass_axe(pages, invitation_link, scheme):
    page = pages.open("visitor")
    for path, heading in ANONYMOUS_PAGES:
        check(page, path, heading, scheme)
    check(page, invitation_link, "Create an account", scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_pages_of_an_account_pass_axe(pages, invitation_link, scheme):
    page = pages.login("alice")
    for path, heading in ACCOUNT_PAGES:
        check(page, path, heading, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_errors_are_announced_and_tied_to_their_fields(pages, invitation_link, scheme):
    from playwright.sync_api import expect

    page = pages.open("visitor")
    page.emulate_media(color_scheme=scheme)
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    assert_accessible(page, f"a refused login ({scheme})")

    page.goto(invitation_link)
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Email").fill("not an address")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("other")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page, f"a refused sign-up ({scheme})")


def test_logging_out_and_in_again(pages):
    from playwright.sync_api import expect

    page = pages.login("carol", form=True)
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")


def test_setting_up_totp_and_its_recovery_codes_on_the_pages(pages):
    """bob confirms his password, reads the secret off the page, types the code an
    authenticator app would show, and sees his recovery codes: every page axe-clean."""
    from playwright.sync_api import expect

    from tests.security.test_access_tokens import totp

    page = pages.login("bob")
    page.goto("/accounts/reauthenticate/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.goto("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Authenticator App"))
    assert_accessible(page, "the TOTP set-up page")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    page.goto("/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Recovery Codes"))
    assert_accessible(page, "the recovery codes page")


def virtual_authenticator(page):
    """Chromium's virtual authenticator (CDP WebAuthn domain): a platform passkey that
    verifies its user without asking."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, authenticator["authenticatorId"]


def test_a_passkey_is_added_then_logs_in_alone_and_as_a_second_factor(pages, chat_server):
    """WebAuthn needs a secure context and a domain as its RP ID: the pages are opened on
    http://localhost, which browsers treat as secure (127.0.0.1 is not a valid RP ID)."""
    from playwright.sync_api import expect

    site = f"http://localhost:{chat_server.port}"
    page = pages.open("passkey")
    cdp, authenticator_id = virtual_authenticator(page)
    page.goto(site + "/accounts/login/")
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")
    page.goto(site + "/accounts/reauthenticate/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.goto(site + "/accounts/2fa/webauthn/add/")
    assert_accessible(page, "the passkey set-up page")
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1

    # The password now asks for the key as well...
    page.context.clear_cookies()
    page.goto(site + "/accounts/login/")
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert_accessible(page, "the second-factor step")
    page.get_by_role("button", name="Use a security key").click()
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")

    # ...and the passkey alone logs in.
    page.context.clear_cookies()
    page.goto(site + "/accounts/login/")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#chat")).to_have_attribute("data-connection", "open")
