"""Personal access tokens, and the password path of POST /api/token/ closed to accounts with
a second factor (a password alone must not stand in for both).

TOTP codes are computed from the secret here (RFC 6238), independently of allauth's code.
"""

import base64
import hashlib
import hmac
import json
import re
import struct
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from accounts import access_tokens
from accounts.models import AccessToken
from tests.clients import connect_communicator

PASSWORD = "pw-for-tests"


def totp(secret, at=None):
    """The six-digit code of ``secret`` at ``at`` (now), as an authenticator app shows it."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def with_totp(user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def post_token(client, body=None, bearer=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    response = client.post(
        "/api/token/", json.dumps(body or {}), content_type="application/json", **headers
    )
    return response.status_code, response.json()


def reauthenticated(user):
    """A browser whose user typed their password again just now."""
    browser = Client()
    browser.force_login(user)
    browser.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return browser


@pytest.mark.django_db
def test_a_token_is_made_on_the_page_shown_once_and_stored_as_a_digest(alice):
    browser = reauthenticated(alice)
    page = browser.post("/accounts/tokens/", {"name": "deploy bot", "days": 30})
    assert page.status_code == 200
    token = re.search(r'value="(chatpat_[^"]+)"', page.content.decode()).group(1)
    row = AccessToken.objects.get(user=alice)
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(AccessToken.objects.values_list())
    assert token not in browser.get("/accounts/tokens/").content.decode()  # once
    assert "deploy bot" in browser.get("/accounts/tokens/").content.decode()


@pytest.mark.django_db
def test_making_a_token_asks_a_stolen_session_for_the_password_again(alice):
    browser = Client()
    browser.force_login(alice)  # a session cookie, and nothing typed recently
    assert browser.get("/accounts/tokens/").status_code == 200  # the list is shown
    response = browser.post("/accounts/tokens/", {"name": "mine now"})
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response.url
    assert not AccessToken.objects.exists()
    # The owner types the password: the request goes through, as it was made.
    page = browser.post(response.url, {"password": PASSWORD}, follow=True)
    assert "chatpat_" in page.content.decode()
    assert AccessToken.objects.get().name == "mine now"


@pytest.mark.django_db(transaction=True)
async def test_an_access_token_opens_sockets_by_token_and_by_ticket(redis_layer, alice):
    _, secret = await sync_to_async(access_tokens.create)(alice, "bot")
    client = Client()
    status, body = await sync_to_async(post_token)(client, bearer=secret)
    assert status == 200
    socket = await connect_communicator(token=body["token"])
    await socket.ok("session.heartbeat")
    await socket.close()
    response = await sync_to_async(client.post)(
        "/api/ticket/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200 and response.json()["ticket"]


@pytest.mark.django_db
def test_revoked_expired_and_unknown_tokens_answer_401(alice):
    browser = reauthenticated(alice)
    row, secret = access_tokens.create(alice, "old")
    _, expired = access_tokens.create(alice, "expired", days=1)
    AccessToken.objects.filter(name="expired").update(expires_at=timezone.now() - timedelta(1))
    browser.post(f"/accounts/tokens/{row.pk}/revoke/")
    for bearer in (secret, expired, "chatpat_" + "x" * 43):
        assert post_token(Client(), bearer=bearer) == (
            401,
            {"error": "invalid_token", "detail": "Send Authorization: Bearer <token>."},
        )


@pytest.mark.django_db
def test_a_second_factor_closes_the_password_path_but_not_the_token(alice):
    body = {"username": "alice", "password": PASSWORD}
    assert post_token(Client(), body)[0] == 200
    with_totp(alice)
    status, answer = post_token(Client(), body)
    assert (status, answer["error"]) == (403, "access_token_required")
    assert post_token(Client(), {"username": "alice", "password": "wrong"})[0] == 401
    _, secret = access_tokens.create(alice, "bot")
    assert post_token(Client(), bearer=secret)[0] == 200


@pytest.mark.django_db
def test_the_password_path_can_be_closed_for_everyone(alice, settings):
    settings.CHAT_TOKEN_PASSWORD_LOGIN = False
    assert post_token(Client(), {"username": "alice", "password": PASSWORD})[0] == 403


@pytest.mark.django_db
def test_logging_in_with_totp_and_with_a_recovery_code_once(alice):
    secret = with_totp(alice)
    codes = RecoveryCodes.activate(alice).generate_codes()
    browser = Client()
    response = browser.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    assert browser.get("/").status_code == 302  # the password alone is not a login
    wrong = f"{(int(totp(secret)) + 1) % 1_000_000:06d}"
    assert browser.post("/accounts/2fa/authenticate/", {"code": wrong}).status_code == 200
    assert browser.post("/accounts/2fa/authenticate/", {"code": totp(secret)}).url == "/"
    assert browser.get("/").status_code == 200
    for attempt in range(2):
        other = Client()
        other.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
        response = other.post("/accounts/2fa/authenticate/", {"code": codes[0]})
        assert (response.status_code == 302) == (attempt == 0)  # a recovery code works once
    assert Authenticator.objects.filter(user=alice).count() == 2
