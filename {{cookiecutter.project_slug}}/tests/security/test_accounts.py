"""Sign-up, login by username or email, and email confirmation through allauth's pages.

Accounts made before addresses were asked for (by an admin, createsuperuser, or the old
sign-up) keep logging in with their username and password, whatever the verification mode.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

pytestmark = [pytest.mark.django_db]

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def mailing(settings):
    """Email sent (to Django's test outbox), and sign-up open to anyone."""
    settings.EMAIL_CONFIGURED = True
    settings.CHAT_SIGNUP = "open"
    return settings


def log_in(client, login, password="pw-for-tests"):
    return client.post("/accounts/login/", {"login": login, "password": password})


def sign_up(client, username="dora", email="dora@example.com"):
    fields = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", fields)


def logged_in_as(client):
    response = client.get("/")
    return response.context["user"].get_username() if response.status_code == 200 else None


def test_an_account_without_an_address_logs_in_with_its_username(alice, settings):
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    client = Client()
    response = log_in(client, "alice")
    assert response.status_code == 302 and response.url == "/"
    assert logged_in_as(client) == "alice"


def test_an_address_on_the_user_row_alone_does_not_stop_the_login(make_user):
    user = make_user("erin")
    user.email = "erin@example.com"
    user.save()
    client = Client()
    assert log_in(client, "erin").url == "/"
    assert logged_in_as(client) == "erin"


def test_a_confirmed_address_logs_in_in_place_of_the_username(alice):
    EmailAddress.objects.create(user=alice, email="alice@example.com", primary=True, verified=True)
    client = Client()
    assert log_in(client, "Alice@Example.com").url == "/"
    assert logged_in_as(client) == "alice"


def test_a_wrong_password_says_so_on_the_page(alice):
    response = log_in(Client(), "alice", "wrong")
    assert response.status_code == 200
    assert 'class="form-error" role="alert"' in response.content.decode()


def test_a_new_account_logs_in_once_its_address_is_confirmed(mailing):
    client = Client()
    response = sign_up(client)
    assert response.status_code == 302 and response.url == "/accounts/confirm-email/"
    assert get_user_model().objects.filter(username="dora").exists()
    assert logged_in_as(client) is None
    # Logging in before confirming lets nobody in (and sends the confirmation again, once
    # three minutes have passed since the last).
    assert log_in(Client(), "dora", PASSWORD).url == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert client.get(link.group(1)).status_code == 200  # asks to confirm, changes nothing
    assert client.post(link.group(1)).status_code == 302
    assert logged_in_as(client) == "dora"
    assert EmailAddress.objects.get(email="dora@example.com").verified


def test_optional_confirmation_lets_the_new_account_in_at_once(mailing):
    mailing.ACCOUNT_EMAIL_VERIFICATION = "optional"
    client = Client()
    assert sign_up(client).url == "/"
    assert logged_in_as(client) == "dora"
    (message,) = mail.outbox
    assert "confirm-email" in message.body


def test_an_address_someone_has_is_not_revealed_at_sign_up(mailing, alice):
    EmailAddress.objects.create(user=alice, email="alice@example.com", primary=True, verified=True)
    client = Client()
    response = sign_up(client, username="mallory", email="alice@example.com")
    # The same answer as for a new address; alice is told by email instead.
    assert response.status_code == 302 and response.url == "/accounts/confirm-email/"
    assert not get_user_model().objects.filter(username="mallory").exists()
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
