"""Who may join: sign-up by invitation (CHAT_SIGNUP="invite", the default), open, or SSO only.

An invitation link lets its holder sign up until it expires or its uses run out; one for an
email address only lets that address in (and confirms it); its rooms are joined at sign-up.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import invitations
from accounts.models import SignupInvitation
from chat import services
from chat.models import Membership

pytestmark = [pytest.mark.django_db]

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def mailing(settings):
    settings.EMAIL_CONFIGURED = True
    return settings


def invite(by, **kwargs):
    kwargs.setdefault("days", 7)
    invitation, token = invitations.create(created_by=by, **kwargs)
    return invitation, f"/accounts/invite/{token}/"


def sign_up(client, username, email=None):
    fields = {
        "username": username,
        "email": email or f"{username}@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return client.post("/accounts/signup/", fields)


def exists(username):
    return get_user_model().objects.filter(username=username).exists()


def test_invitation_is_the_default_and_without_one_nobody_signs_up(settings):
    assert settings.CHAT_SIGNUP == "invite"
    client = Client()
    page = client.get("/accounts/signup/")
    assert "Sign-up is by invitation" in page.content.decode()
    sign_up(client, "mallory")
    assert not exists("mallory")
    assert "Sign up</a>" not in client.get("/accounts/login/").content.decode()


def test_an_invitation_lets_its_holder_in_and_joins_its_rooms(mailing, alice):
    team = services.room_create(user=alice, kind="group", name="Team", members=[])["room"]
    invitation, link = invite(alice, rooms=[team["id"]])
    client = Client()
    assert client.get(link).url == "/accounts/signup/"
    response = sign_up(client, "dora")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert exists("dora")
    assert Membership.objects.filter(room_id=team["id"], user__username="dora").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_an_expired_invitation_lets_nobody_in(alice):
    invitation, link = invite(alice)
    client = Client()
    client.get(link)
    SignupInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    sign_up(client, "dora")
    assert not exists("dora")
    assert Client().get(link).status_code == 404


def test_the_use_limit_holds_even_for_links_opened_before_it_was_reached(mailing, alice):
    invitation, link = invite(alice, max_uses=2)
    first, second, third = Client(), Client(), Client()
    for client in (first, second, third):
        client.get(link)  # all three opened it while uses were left
    for client, name in ((first, "dora"), (second, "erin"), (third, "frank")):
        sign_up(client, name)
    assert [exists(name) for name in ("dora", "erin", "frank")] == [True, True, False]
    assert Client().get(link).status_code == 404
    invitation.refresh_from_db()
    assert invitation.uses == 2


def test_an_invitation_for_an_address_admits_that_address_confirmed(mailing, alice):
    _, link = invite(alice, email="dora@example.com")
    client = Client()
    client.get(link)
    assert 'value="dora@example.com"' in client.get("/accounts/signup/").content.decode()
    sign_up(client, "mallory", email="mallory@example.com")
    assert not exists("mallory")
    # The owner of the address gets in at once: the link proved the mailbox.
    assert sign_up(client, "dora", email="Dora@Example.com").url == "/"
    assert EmailAddress.objects.get(user__username="dora").verified
    assert mail.outbox == []


def test_members_make_invitations_on_their_page_only_when_allowed(mailing, alice, bob):
    client = Client()
    client.force_login(bob)
    assert client.get("/accounts/invitations/").status_code == 403
    mailing.CHAT_SIGNUP_INVITES_BY_MEMBERS = True
    response = client.post(
        "/accounts/invitations/", {"email": "dora@example.com", "max_uses": 1, "days": 3}
    )
    page = response.content.decode()
    link = re.search(r'value="(http://testserver/accounts/invite/[^"]+/)"', page).group(1)
    (message,) = mail.outbox
    assert message.to == ["dora@example.com"] and link in message.body
    invitation = SignupInvitation.objects.get()
    assert invitation.created_by == bob and link.rstrip("/").rsplit("/")[-1] not in str(
        SignupInvitation.objects.values_list()
    )  # only a digest is stored
    client.post(f"/accounts/invitations/{invitation.pk}/revoke/")
    assert Client().get(link).status_code == 404


def test_an_invitation_names_only_rooms_its_maker_runs(mailing, alice, bob):
    mailing.CHAT_SIGNUP_INVITES_BY_MEMBERS = True
    theirs = services.room_create(user=alice, kind="group", name="Alice's", members=["bob"])
    client = Client()
    client.force_login(bob)
    response = client.post(
        "/accounts/invitations/", {"max_uses": 1, "days": 3, "rooms": [theirs["room"]["id"]]}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not SignupInvitation.objects.exists()


def test_invitation_lifetime_is_bounded(mailing, bob):
    mailing.CHAT_SIGNUP_INVITES_BY_MEMBERS = True
    client = Client()
    client.force_login(bob)
    days = mailing.CHAT_SIGNUP_INVITATION_MAX_DAYS + 1
    client.post("/accounts/invitations/", {"max_uses": 1, "days": days})
    assert not SignupInvitation.objects.exists()


def test_on_an_open_site_an_invitation_still_brings_its_rooms(mailing, alice):
    mailing.CHAT_SIGNUP = "open"
    team = services.room_create(user=alice, kind="group", name="Team", members=[])["room"]
    invitation, link = invite(alice, rooms=[team["id"]])
    client = Client()
    client.get(link)
    sign_up(client, "dora")
    assert Membership.objects.filter(room_id=team["id"], user__username="dora").exists()
    invitation.refresh_from_db()
    assert invitation.uses == 1


@pytest.mark.parametrize("mode", ["open", "sso"])
def test_open_lets_anyone_sign_up_and_sso_nobody(mailing, mode):
    mailing.CHAT_SIGNUP = mode
    sign_up(Client(), "dora")
    assert exists("dora") == (mode == "open")
