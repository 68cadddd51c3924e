"""Single sign-on end to end: the chat and a real OpenID Connect provider (allauth's own, a
second Django project on loopback: testservers/oidc_provider.py), and a client following
every redirect between them and filling in their forms, as a person's browser does."""

import json
import os

import pytest

from tests.helpers import start_service
from tests.web_forms import WebClient
from testservers.live import PROJECT, LiveServer, base_env, run_django
from testservers.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider
from testservers.processes import free_port

pytestmark = [pytest.mark.timeout(180)]

PASSWORD = "pw-at-the-provider"

SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
"""

ACCOUNTS = """
from django.contrib.auth import get_user_model
from allauth.socialaccount.models import SocialAccount
print(sorted(get_user_model().objects.values_list("username", "email")))
print(SocialAccount.objects.count())
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso")
    port = free_port()
    callback = f"http://127.0.0.1:{port}/accounts/oidc/team/login/callback/"
    users = [("dora", "dora@team.example"), ("olga", "olga@elsewhere.example")]
    provider = start_service(lambda: OIDCProvider(workdir / "idp", callback, users, PASSWORD))
    with provider:
        (workdir / "sso_settings.py").write_text(SETTINGS_MODULE)
        providers = [
            {
                "id": "team",
                "name": "Team login",
                "server_url": provider.url,
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
            }
        ]
        env = base_env(
            workdir,
            DJANGO_SETTINGS_MODULE="sso_settings",
            PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
            CHAT_SIGNUP="sso",
            CHAT_SSO_PROVIDERS=json.dumps(providers),
            CHAT_SSO_ALLOWED_DOMAINS="team.example",
        )
        with LiveServer(workdir, env, port=port) as chat:
            yield chat, provider


def sign_on(sites, username):
    """Choose the provider on the login page, log in there, come back."""
    chat, provider = sites
    person = WebClient(chat.url)
    login = person.get("/accounts/login/")
    assert "Team login" in login.page
    confirm = person.get("/accounts/oidc/team/login/")
    at_provider = person.post_form(confirm.url, {}, form_page=confirm)
    assert at_provider.url.startswith(provider.url + "/accounts/login/")
    return person.post_form(
        at_provider.url, {"login": username, "password": PASSWORD}, form_page=at_provider
    )


def test_a_person_of_the_allowed_domain_gets_an_account_and_comes_back_to_it(sites):
    chat, _ = sites
    back = sign_on(sites, "dora")
    assert back.url == chat.url + "/", (back.url, back.page[:2000])
    assert "#chat" in back.page or 'id="chat"' in back.page
    again = sign_on(sites, "dora")
    assert again.url == chat.url + "/"
    accounts = run_django(chat.env, ACCOUNTS).split("\n")
    assert accounts[0] == "[('dora', 'dora@team.example')]" and accounts[1] == "1"


def test_a_person_outside_the_allowed_domains_is_refused(sites):
    chat, _ = sites
    refused = sign_on(sites, "olga")
    assert refused.status == 403 and "cannot log in here" in refused.page
    assert "olga" not in run_django(chat.env, ACCOUNTS)


def test_the_login_page_offers_no_password_sign_up_in_sso_mode(sites):
    chat, _ = sites
    page = WebClient(chat.url).get("/accounts/signup/")
    assert "Create an account" not in page.page
