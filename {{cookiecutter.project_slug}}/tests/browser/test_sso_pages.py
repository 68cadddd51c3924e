"""The single sign-on pages (allauth's, in the site's templates) pass axe, in light and dark,
on a desktop and a phone: the login page offering the provider, the page that confirms the
provider, allauth's social sign-up form (empty and refusing a bad address), its pages for a
login cancelled or failed at the provider, and an account's connections. The provider is a
real OpenID Connect one on loopback (testservers/oidc_provider.py); its own pages are not the
site's and are not checked. Reaching it at all needs the page's Content-Security-Policy to
let the login form go on to the provider (form-action): the page's console is watched."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import MODES, assert_accessible
from tests.browser.test_profile_page import color_scheme
from tests.helpers import start_service
from testservers.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider
from testservers.processes import free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PROVIDER = "Team login"
PROVIDER_PASSWORD = "pw-at-the-provider"
# nell's provider vouches for no address: allauth asks for one on its sign-up form.
PROVIDER_USERS = [("nell", ""), ("ivy", "ivy@team.example")]


@pytest.fixture(scope="module", autouse=True)
def provider(request, tmp_path_factory):
    """The provider, started before the module's chat server (tests/browser/conftest.py),
    which is set up to use it on the port its redirect URI names."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/accounts/oidc/team/login/callback/"
    workdir = tmp_path_factory.mktemp("sso-idp")
    idp = start_service(lambda: OIDCProvider(workdir, callback, PROVIDER_USERS, PROVIDER_PASSWORD))
    with idp:
        providers = [
            {
                "id": "team",
                "name": PROVIDER,
                "server_url": idp.url,
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
            }
        ]
        request.module.SERVER_PORT = port
        request.module.SERVER_ENV = {
            "CHAT_SIGNUP": "sso",
            "CHAT_SSO_PROVIDERS": json.dumps(providers),
        }
        yield idp


def log_in_at_the_provider(page, username):
    page.locator('input[name="login"]').fill(username)
    page.locator('input[name="password"]').fill(PROVIDER_PASSWORD)
    page.locator('input[name="password"]').press("Enter")


def check(page, state):
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, state)


@pytest.mark.parametrize("mode", MODES)
def test_the_single_sign_on_pages_pass_axe(pages, chat_server, mode):
    scheme, viewport = MODES[mode]
    page = pages.open("newcomer", viewport)
    page.emulate_media(color_scheme=scheme)
    page.goto("/accounts/login/")
    check(page, f"the login page offering the provider ({mode})")

    page.get_by_role("link", name=PROVIDER).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROVIDER)
    check(page, f"the page confirming the provider ({mode})")
    page.get_by_role("button", name="Continue").click()

    log_in_at_the_provider(page, "nell")
    expect(page).to_have_url(re.compile(r"/accounts/3rdparty/signup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check(page, f"the social sign-up form ({mode})")
    page.get_by_label("Email").fill("not an address")
    page.get_by_label("Email").press("Enter")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, f"the social sign-up form refusing an address ({mode})")

    for path in ("/accounts/3rdparty/login/cancelled/", "/accounts/3rdparty/login/error/"):
        page.goto(path)
        check(page, f"{path} ({mode})")

    alice = pages.login("alice", viewport=viewport)
    alice.emulate_media(color_scheme=scheme)
    alice.goto("/accounts/3rdparty/")
    check(alice, f"the account's connections ({mode})")


def test_an_account_from_single_sign_on_is_offered_its_provider_to_confirm_a_deletion(pages):
    ivy = pages.open("ivy")
    ivy.goto("/accounts/login/")
    ivy.get_by_role("link", name=PROVIDER).click()
    ivy.get_by_role("button", name="Continue").click()
    log_in_at_the_provider(ivy, "ivy")
    expect(ivy.locator("#chat")).to_have_attribute("data-connection", "open")
    ivy.get_by_role("button", name="Profile").click()
    ivy.get_by_role("button", name="Delete my account…").click()
    dialog = ivy.get_by_role("dialog", name="Delete your account?")
    # No password here: the way to confirm is a fresh login at the provider.
    expect(dialog.get_by_label("Your password")).to_have_count(0)
    expect(dialog.get_by_role("link", name=f"log in again with {PROVIDER}")).to_be_visible()
    for scheme in ("light", "dark"):
        color_scheme(ivy, scheme)
        assert_accessible(
            ivy, f"the account deletion dialog of ivy ({scheme})", "#delete-account-dialog"
        )
