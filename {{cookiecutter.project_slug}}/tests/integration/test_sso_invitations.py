"""Sign-up by invitation (CHAT_SIGNUP="invite") through single sign-on, end to end against a
real OpenID Connect provider (tests.sso_sites): an invitation works as it does for the
password sign-up form, whether allauth makes the account at once or asks for the missing
details on its social sign-up form; without one, the provider gets nobody an account."""

import json

import pytest

from tests.sso_sites import sign_on, sso_site
from tests.web_forms import WebClient
from testservers.live import run_django

pytestmark = [pytest.mark.timeout(180)]

SETUP = """
from django.contrib.auth import get_user_model
from chat import services
ada = get_user_model().objects.create_user("ada", "ada@team.example", "pw-for-tests")
services.room_create(user=ada, kind="group", name="Team", members=[])
"""

INVITE = """
from django.contrib.auth import get_user_model
from accounts import invitations
from chat.models import Room
ada = get_user_model().objects.get(username="ada")
rooms = Room.objects.filter(name="Team")
_, token = invitations.create(created_by=ada, days=7, email={email!r}, rooms=rooms)
print(token)
"""

STATE = """
import json
from django.contrib.auth import get_user_model
from accounts.models import SignupInvitation
from chat.models import Membership
print(json.dumps({{
    "account": get_user_model().objects.filter(username={username!r}).exists(),
    "in_team": Membership.objects.filter(room__name="Team", user__username={username!r}).exists(),
    "uses": sum(SignupInvitation.objects.values_list("uses", flat=True)),
}}))
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso-invite")
    # nell's provider vouches for no address: allauth asks for one on its sign-up form.
    users = [("dora", "dora@team.example"), ("fay", "fay@team.example"), ("nell", "")]
    with sso_site(workdir, users, CHAT_SIGNUP="invite") as sites:
        run_django(sites[0].env, SETUP)
        yield sites


def invited_person(chat, email=""):
    """A browser that opened a new invitation to the Team room."""
    token = run_django(chat.env, INVITE.format(email=email)).strip()
    person = WebClient(chat.url)
    assert person.get(f"/accounts/invite/{token}/").path == "/accounts/signup/"
    return person


def state(chat, username):
    return json.loads(run_django(chat.env, STATE.format(username=username)))


def test_without_an_invitation_single_sign_on_makes_no_account(sites):
    chat, _ = sites
    refused = sign_on(sites, "dora")
    assert "Sign-up is by invitation" in refused.page, (refused.url, refused.page[:2000])
    assert state(chat, "dora") == {"account": False, "in_team": False, "uses": 0}


def test_an_invitation_brings_its_holder_in_through_single_sign_on(sites):
    chat, _ = sites
    before = state(chat, "dora")["uses"]
    back = sign_on(sites, "dora", person=invited_person(chat))
    assert back.url == chat.url + "/", (back.url, back.page[:2000])
    assert state(chat, "dora") == {"account": True, "in_team": True, "uses": before + 1}


def test_the_social_sign_up_form_takes_the_invitation_too(sites):
    chat, _ = sites
    before = state(chat, "nell")["uses"]
    person = invited_person(chat)
    form = sign_on(sites, "nell", person=person)
    assert form.path == "/accounts/3rdparty/signup/", (form.url, form.page[:2000])
    fields = {"username": "nell", "email": "nell@team.example"}
    back = person.post_form(form.url, fields, form_page=form)
    assert back.url == chat.url + "/", (back.url, back.page[:2000])
    assert state(chat, "nell") == {"account": True, "in_team": True, "uses": before + 1}


def test_an_invitation_for_another_address_lets_nobody_in(sites):
    chat, _ = sites
    before = state(chat, "fay")["uses"]
    refused = sign_on(sites, "fay", person=invited_person(chat, email="someone@team.example"))
    assert "Sign-up is by invitation" in refused.page, (refused.url, refused.page[:2000])
    assert state(chat, "fay") == {"account": False, "in_team": False, "uses": before}
