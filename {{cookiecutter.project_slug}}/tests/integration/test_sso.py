"""Single sign-on end to end: the chat and a real OpenID Connect provider (allauth's own, a
second Django project on loopback: testservers/oidc_provider.py), and a client following
every redirect between them and filling in their forms, as a person's browser does."""

import pytest

from tests.sso_sites import sign_on, sso_site
from tests.web_forms import WebClient
from testservers.live import run_django

pytestmark = [pytest.mark.timeout(180)]

ACCOUNTS = """
from django.contrib.auth import get_user_model
from allauth.socialaccount.models import SocialAccount
print(sorted(get_user_model().objects.values_list("username", "email")))
print(SocialAccount.objects.count())
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso")
    users = [("dora", "dora@team.example"), ("olga", "olga@elsewhere.example")]
    signup = {"CHAT_SIGNUP": "sso", "CHAT_SSO_ALLOWED_DOMAINS": "team.example"}
    with sso_site(workdir, users, **signup) as sites:
        yield sites


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
