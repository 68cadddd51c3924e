"""Someone whose account came from single sign-on has no password here: they confirm it is
them by logging in again at their provider (asked to check again: prompt=login), then
delete their account (accounts.reauth), end to end against a real OpenID Connect provider
(tests.sso_sites)."""

import html
import json
import re
import urllib.error
import urllib.request

import pytest

from tests.sso_sites import PASSWORD, sign_on, sso_site
from tests.web_forms import WebClient
from testservers.live import run_django

pytestmark = [pytest.mark.timeout(180)]

# The session's logins, as allauth records them, an hour older: the login is no longer recent.
AGE_LOGINS = """
from importlib import import_module
from django.conf import settings
session = import_module(settings.SESSION_ENGINE).SessionStore(session_key={key!r})
records = session["account_authentication_methods"]
session["account_authentication_methods"] = [{{**r, "at": r["at"] - 3600}} for r in records]
session.save()
"""

ACCOUNT = """
from django.contrib.auth import get_user_model
from allauth.socialaccount.models import SocialAccount
user = get_user_model().objects.filter(username={username!r}).first()
sso_only = user is not None and not user.has_usable_password()
print(sso_only, SocialAccount.objects.filter(user=user).count())
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso-delete")
    with sso_site(workdir, [("hana", "hana@team.example")], CHAT_SIGNUP="sso") as sites:
        yield sites


def cookie(person, name):
    return next(c.value for c in person.cookies if c.name == name)


def delete_account(person, answers):
    request = urllib.request.Request(
        person.base_url + "/api/account/delete/",
        data=json.dumps(answers).encode(),
        headers={
            **person.headers,
            "Content-Type": "application/json",
            "X-CSRFToken": cookie(person, "csrftoken"),
        },
        method="POST",
    )
    try:
        with person.opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_account_from_single_sign_on_is_deleted_after_logging_in_again_there(sites):
    chat, provider = sites
    hana = WebClient(chat.url)
    assert sign_on(sites, "hana", person=hana).url == chat.url + "/"
    assert run_django(chat.env, ACCOUNT.format(username="hana")).split() == ["True", "1"]
    run_django(chat.env, AGE_LOGINS.format(key=cookie(hana, "sessionid")))

    # An hour after logging in, nothing confirms it is her: refused, nothing deleted.
    for answers in ({}, {"password": "anything"}):
        status, answer = delete_account(hana, answers)
        assert (status, answer["error"]) == (403, "forbidden"), answer
    assert run_django(chat.env, ACCOUNT.format(username="hana")).split() == ["True", "1"]

    # The page offers a fresh login at her provider, which asks for her password again.
    page = hana.get("/").page
    assert 'id="delete-account-password"' not in page
    link = html.unescape(re.search(r'href="(/accounts/oidc/team/login/\?[^"]+)"', page)[1])
    confirm = hana.get(link)
    at_provider = hana.post_form(confirm.url, {}, form_page=confirm)
    assert at_provider.url.startswith(provider.url + "/accounts/reauthenticate/"), at_provider.url
    back = hana.post_form(at_provider.url, {"password": PASSWORD}, form_page=at_provider)
    assert back.url == chat.url + "/", (back.url, back.page[:2000])

    assert delete_account(hana, {}) == (200, {"deleted": True})
    assert run_django(chat.env, ACCOUNT.format(username="hana")).split() == ["False", "0"]
