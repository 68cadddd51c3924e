"""A chat with single sign-on, and a real OpenID Connect provider for it (allauth's own, a
second Django project on loopback: testservers/oidc_provider.py), for the live tests. A
WebClient follows every redirect between them and fills in their forms, as a person's
browser does."""

import json
import os
from contextlib import contextmanager

from tests.helpers import start_service
from tests.web_forms import WebClient
from testservers.live import PROJECT, LiveServer, base_env
from testservers.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider
from testservers.processes import free_port

PASSWORD = "pw-at-the-provider"
PROVIDER_NAME = "Team login"

SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
"""


@contextmanager
def sso_site(workdir, users, **env):
    """The chat (with ``env``) and its provider, whose ``users`` are (username, email) pairs
    with PASSWORD; yield both."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/accounts/oidc/team/login/callback/"
    provider = start_service(lambda: OIDCProvider(workdir / "idp", callback, users, PASSWORD))
    with provider:
        (workdir / "sso_settings.py").write_text(SETTINGS_MODULE)
        providers = [
            {
                "id": "team",
                "name": PROVIDER_NAME,
                "server_url": provider.url,
                "client_id": CLIENT_ID,
                "secret": CLIENT_SECRET,
            }
        ]
        env = base_env(
            workdir,
            DJANGO_SETTINGS_MODULE="sso_settings",
            PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
            CHAT_SSO_PROVIDERS=json.dumps(providers),
            **env,
        )
        with LiveServer(workdir, env, port=port) as chat:
            yield chat, provider


def sign_on(sites, username, person=None, query=""):
    """Choose the provider on the login page, log in there, come back. ``person`` is a
    WebClient whose session goes on (a new one by default)."""
    chat, provider = sites
    person = person or WebClient(chat.url)
    login = person.get("/accounts/login/")
    assert PROVIDER_NAME in login.page
    confirm = person.get("/accounts/oidc/team/login/" + query)
    at_provider = person.post_form(confirm.url, {}, form_page=confirm)
    assert at_provider.url.startswith(provider.url + "/accounts/login/"), at_provider.url
    return person.post_form(
        at_provider.url, {"login": username, "password": PASSWORD}, form_page=at_provider
    )
