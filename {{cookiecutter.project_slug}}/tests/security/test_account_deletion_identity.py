"""Before an account is deleted its owner confirms it is them (accounts.reauth): with their
password, a code of their authenticator app, or a recent reauthentication of allauth's. A
wrong answer is refused with a clear error and deletes nothing. (An account from single
sign-on, with no password, reauthenticates at its provider: tests/integration/
test_sso_account_deletion.py.)"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.security.test_access_tokens import totp, with_totp

pytestmark = [pytest.mark.django_db]


def browser(user):
    """A logged-in browser session with its CSRF cookie, as the chat page has."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")
    return client


def csrf(client):
    return client.cookies["csrftoken"].value


def delete_account(client, **answers):
    response = client.post(
        "/api/account/delete/",
        json.dumps(answers),
        content_type="application/json",
        headers={"X-CSRFToken": csrf(client)},
    )
    return response.status_code, response.json()


def exists(user):
    return get_user_model().objects.filter(pk=user.pk).exists()


def test_a_user_with_an_authenticator_app_deletes_their_account_with_its_code(alice):
    secret = with_totp(alice)
    session = browser(alice)
    wrong = f"{(int(totp(secret)) + 500_000) % 1_000_000:06d}"
    status, answer = delete_account(session, code=wrong)
    assert (status, answer["error"]) == (403, "forbidden")
    assert answer["detail"].startswith("That code is not right")
    assert exists(alice)
    assert delete_account(session, code=totp(secret)) == (200, {"deleted": True})
    assert not exists(alice)


def test_nothing_to_confirm_with_is_refused_with_what_to_do(alice):
    status, answer = delete_account(browser(alice))
    assert (status, answer["error"]) == (403, "forbidden")
    assert answer["detail"].startswith("Confirm it is you")
    assert exists(alice)


def test_a_recent_reauthentication_at_allauths_page_is_enough(alice):
    session = browser(alice)
    again = session.post(
        "/accounts/reauthenticate/",
        {"password": "pw-for-tests", "csrfmiddlewaretoken": csrf(session)},
    )
    assert again.status_code == 302, again.content.decode()[:2000]
    assert delete_account(session) == (200, {"deleted": True})
    assert not exists(alice)


def test_a_wrong_password_is_refused_even_after_a_reauthentication(alice):
    session = browser(alice)
    token = csrf(session)
    session.post(
        "/accounts/reauthenticate/", {"password": "pw-for-tests", "csrfmiddlewaretoken": token}
    )
    status, answer = delete_account(session, password="not-it")
    assert (status, answer["detail"]) == (403, "That is not your password.")
    assert exists(alice)
