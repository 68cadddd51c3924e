"""CHAT_MFA_REQUIRED: who must set up a second factor before using the site, the admin or the
token endpoint's password path. The code that activates TOTP is computed from the secret the
page shows, as an authenticator app would."""

import json
import re

import pytest
from django.test import Client

from tests.security.test_access_tokens import PASSWORD, totp

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def staff(make_user):
    user = make_user("sam")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def browser_of(user):
    browser = Client()
    browser.force_login(user)
    return browser


def password_token_status(username):
    body = json.dumps({"username": username, "password": PASSWORD})
    return Client().post("/api/token/", body, content_type="application/json").status_code


def activate_totp(browser):
    """Set up TOTP on the page: confirm the password, read the secret, type its code."""
    browser.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = browser.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'value="([A-Z2-7]{32})"', page).group(1)
    response = browser.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:3000]


def test_by_default_nobody_is_asked(settings, staff):
    assert settings.CHAT_MFA_REQUIRED == "none"
    assert browser_of(staff).get("/").status_code == 200
    assert password_token_status("sam") == 200


def test_staff_set_one_up_before_the_chat_or_the_admin(settings, staff, alice):
    settings.CHAT_MFA_REQUIRED = "staff"
    browser = browser_of(staff)
    for path in ("/", "/admin/", "/accounts/tokens/"):
        response = browser.get(path)
        assert (response.status_code, response.url) == (302, "/accounts/2fa/"), path
    assert browser.get("/api/attachments/1/").status_code == 403
    assert password_token_status("sam") == 403
    # Others are not asked.
    assert browser_of(alice).get("/").status_code == 200
    assert password_token_status("alice") == 200

    activate_totp(browser)
    assert browser.get("/").status_code == 200
    assert browser.get("/admin/").status_code == 200
    assert password_token_status("sam") == 403  # the password alone never: a token instead


def test_all_asks_everyone(settings, alice):
    settings.CHAT_MFA_REQUIRED = "all"
    browser = browser_of(alice)
    assert browser.get("/").url == "/accounts/2fa/"
    activate_totp(browser)
    assert browser.get("/").status_code == 200
