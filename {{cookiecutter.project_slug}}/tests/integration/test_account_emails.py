"""Account emails through a real SMTP server: confirming an address and resetting a password.

The project runs as in production (its SMTP settings pointed at aiosmtpd on loopback,
testservers/smtp.py); a client follows the links in what arrives, as its owner would.
"""

import os
import re

import pytest

from tests.helpers import start_service
from tests.web_forms import WebClient
from testservers.live import PROJECT, LiveServer, base_env, create_users, run_django
from testservers.processes import free_port
from testservers.smtp import SMTPServer

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
NEW_PASSWORD = "a-new-pass-phrase-for-tests"

SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
"""

WITH_AN_ADDRESS = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username="alice")
EmailAddress.objects.create(user=user, email="alice@example.com", primary=True, verified=True)
staff = get_user_model().objects.create_user("sam", password="pw-for-tests", is_staff=True)
"""


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = start_service(lambda: SMTPServer(tmp_path_factory.mktemp("smtp")))
    with server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    workdir = tmp_path_factory.mktemp("account-emails")
    port = free_port()
    (workdir / "account_settings.py").write_text(SETTINGS_MODULE)
    env = base_env(
        workdir,
        DJANGO_SETTINGS_MODULE="account_settings",
        PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
        SITE_NAME="Team Chat",
        SITE_URL=f"http://127.0.0.1:{port}",
        DEFAULT_FROM_EMAIL="Team Chat <chat@example.com>",
        CHAT_SIGNUP="open",
        **smtp.env(),
    )
    server = LiveServer(workdir, env, port=port)
    create_users(env, "alice", password=PASSWORD)
    run_django(env, WITH_AN_ADDRESS)
    with server:
        yield server


def mail_to(smtp, address):
    """The messages that arrived for ``address``, oldest first."""
    return [message for message in smtp.messages() if message["To"] == address]


def link_in(message, site, path):
    body = message.get_body(("plain",)).get_content()
    found = re.search(re.escape(site.url + path) + r"\S+", body)
    assert found, body
    return found.group(0)


def test_a_password_reset_arrives_and_its_link_sets_a_new_password(site, smtp):
    stranger = WebClient(site.url)
    reply = stranger.post_form("/accounts/password/reset/", {"email": "alice@example.com"})
    assert reply.path == "/accounts/password/reset/done/"
    (message,) = mail_to(smtp, "alice@example.com")
    assert message["From"] == "Team Chat <chat@example.com>"
    assert message["Subject"].startswith("[Team Chat] ")
    form = stranger.get(link_in(message, site, "/accounts/password/reset/key/"))
    # The key leaves the address bar (and Referer headers) before the form is shown.
    assert form.status == 200 and form.path.endswith("-set-password/")
    done = stranger.post_form(
        form.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, form_page=form
    )
    assert done.path == "/accounts/password/reset/key/done/"
    # The new password works, the old one does not, and the link is spent.
    old = WebClient(site.url).post_form(
        "/accounts/login/", {"login": "alice", "password": PASSWORD}
    )
    assert old.path == "/accounts/login/" and "form-error" in old.page
    new = WebClient(site.url).post_form(
        "/accounts/login/", {"login": "alice@example.com", "password": NEW_PASSWORD}
    )
    assert new.path == "/" and new.status == 200
    again = WebClient(site.url).get(link_in(message, site, "/accounts/password/reset/key/"))
    assert "Bad Token" in again.page or "invalid" in again.page.lower()


def test_a_new_address_is_confirmed_by_the_emailed_link(site, smtp):
    newcomer = WebClient(site.url)
    reply = newcomer.post_form(
        "/accounts/signup/",
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert reply.path == "/accounts/confirm-email/"
    (message,) = mail_to(smtp, "dora@example.com")
    confirm = newcomer.get(link_in(message, site, "/accounts/confirm-email/"))
    assert confirm.status == 200 and "dora@example.com" in confirm.page
    chat = newcomer.post_form(confirm.url, {}, form_page=confirm)
    assert chat.path == "/" and chat.status == 200


def test_an_emailed_invitation_arrives_and_its_link_makes_a_confirmed_account(site, smtp):
    sam = WebClient(site.url)
    assert sam.post_form("/accounts/login/", {"login": "sam", "password": PASSWORD}).path == "/"
    fields = {"email": "erin@example.com", "max_uses": 1, "days": 2}
    page = sam.post_form("/accounts/invitations/", fields)
    assert "Copy its link now" in page.page
    (message,) = mail_to(smtp, "erin@example.com")
    assert "sam invites you to Team Chat" in message.get_body(("plain",)).get_content()
    erin = WebClient(site.url)
    form = erin.get(link_in(message, site, "/accounts/invite/"))
    assert form.path == "/accounts/signup/" and 'value="erin@example.com"' in form.page
    fields = {
        "username": "erin",
        "email": "erin@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    # The link proved the mailbox: in at once, no confirmation email.
    assert erin.post_form(form.url, fields, form_page=form).path == "/"
    assert len(mail_to(smtp, "erin@example.com")) == 1
