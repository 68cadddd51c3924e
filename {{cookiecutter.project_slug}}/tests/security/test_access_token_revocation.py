"""Revoking a personal access token ends what was opened with it, and nothing else.

The sockets opened with a socket token or ticket minted with the access token close with 4010
on every process at once; the socket tokens and tickets it minted open nothing more, unexpired
as they are; the user's browser tab and the sockets of their other tokens stay open and keep
receiving. Through two running servers on one PostgreSQL and one Redis, revoked on the tokens
page. A change that sends no event (an expiry, a queryset update) closes them within
CHAT["REVALIDATE_INTERVAL"], and at the socket's next heartbeat.
"""

import asyncio
import dataclasses
import json
import os
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from accounts import access_tokens
from accounts.models import AccessToken
from tests.clients import (
    ConnectionClosedError,
    connect_communicator,
    connect_websocket,
    fetch_token,
    post_ticket,
)
from tests.web_forms import WebClient
from testservers.live import PROJECT, LiveServer, create_users, run_django, services_env

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
REVOKED, UNAUTHENTICATED = 4010, 4001

# Cookies a plain-HTTP client keeps, and static files served unhashed (the login page links them).
SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
"""

MAKE_TOKENS = """
import json
from django.contrib.auth import get_user_model
from accounts import access_tokens
alice = get_user_model().objects.get(username="alice")
(a, secret_a), (_, secret_b) = (access_tokens.create(alice, name) for name in ("A", "B"))
print(json.dumps({"a": secret_a, "a_id": a.pk, "b": secret_b}))
"""


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_server, postgres_server):
    """Two Uvicorn processes on one PostgreSQL database and one Redis, with alice's access
    tokens A and B. Their timers sweep rarely and tickets last: what closes a socket within
    a test is the revocation event, and a ticket a test keeps is refused for its token only."""
    workdir = tmp_path_factory.mktemp("tokens")
    (workdir / "tokens_settings.py").write_text(SETTINGS_MODULE)
    database_url = postgres_server.create_database(f"tokens_{uuid.uuid4().hex[:8]}")
    env = services_env(
        workdir,
        redis_server.url,
        database_url,
        DJANGO_SETTINGS_MODULE="tokens_settings",
        PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
        CHAT_REVALIDATE_INTERVAL=600,
        CHAT_TICKET_TTL=600,
    )
    first = LiveServer(workdir / "one", env)
    second = LiveServer(workdir / "two", env, migrate=False)
    create_users(env, "alice", "bob", password=PASSWORD)
    tokens = json.loads(run_django(env, MAKE_TOKENS))
    with first, second:
        yield first, second, tokens


def post(url, bearer, method="POST"):
    """Send to ``url`` with ``Authorization: Bearer``; return (status, JSON answer)."""
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {bearer}"}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def socket_token(server, access_token):
    status, body = await asyncio.to_thread(post, f"{server.url}/api/token/", access_token)
    assert status == 200, body
    return body["token"]


async def ticket(server, bearer):
    return (await asyncio.to_thread(post_ticket, server.url, bearer))["ticket"]


async def closed_with(client, timeout=10):
    """Wait for the server to close the socket; return the close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.until(lambda envelope: False, timeout)
    return closed.value.rcvd.code


async def refused(url, **kwargs):
    """Connect and return the close code the server answers with."""
    client = await connect_websocket(url, expect_hello=False, **kwargs)
    return await closed_with(client)


def logged_in(server):
    browser = WebClient(server.url)
    reply = browser.post_form("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert reply.path == "/", (reply.status, reply.url)
    return browser


def revoke_on_page(browser, token_id):
    """Press the token's Revoke button on the tokens page."""
    page = browser.get("/accounts/tokens/")
    button = dataclasses.replace(page, url=f"{browser.base_url}/accounts/tokens/{token_id}/revoke/")
    reply = browser.post_form(button.url, {}, form_page=button)
    assert (reply.status, reply.path) == (200, "/accounts/tokens/")


async def test_revoking_a_token_on_the_page_closes_its_sockets_on_every_process_only(
    two_servers,
):
    one, two, tokens = two_servers
    minted_a = await socket_token(one, tokens["a"])
    kept_ticket = await ticket(two, minted_a)  # a ticket of a socket token minted with A
    a_one = await connect_websocket(one.ws_url, token=minted_a)
    a_two = await connect_websocket(f"{two.ws_url}?ticket={await ticket(two, tokens['a'])}")
    b_one = await connect_websocket(one.ws_url, token=await socket_token(two, tokens["b"]))
    browser = await asyncio.to_thread(logged_in, two)
    cookie = next(c for c in browser.cookies if c.name == "sessionid")
    page_one = await connect_websocket(
        one.ws_url, additional_headers={"Cookie": f"sessionid={cookie.value}"}
    )
    bob_token = await asyncio.to_thread(fetch_token, two.url, "bob", PASSWORD)
    bob = await connect_websocket(two.ws_url, token=bob_token)
    created = await bob.ok("room.create", {"kind": "group", "name": "Kept", "members": ["alice"]})
    for alices in (a_one, a_two, b_one, page_one):
        await alices.expect("room.created")

    # A file that is not there: 404 for whoever may ask, 401 for a credential that no longer holds.
    no_file = f"{one.url}/attachments/999999/"
    assert (await asyncio.to_thread(post, no_file, minted_a, "GET"))[0] == 404

    await asyncio.to_thread(revoke_on_page, browser, tokens["a_id"])
    assert await closed_with(a_one) == REVOKED  # opened on the other process
    assert await closed_with(a_two) == REVOKED  # by a ticket, on the process that revoked it
    await bob.ok("message.send", {"room_id": created["room"]["id"], "content": "still here"})
    for kept in (b_one, page_one):
        message = await kept.expect("message.new")
        assert message["message"]["content"] == "still here"
        await kept.ok("session.heartbeat")

    # What A minted before its revocation opens nothing more, unexpired as it is.
    assert await refused(one.ws_url, token=minted_a) == UNAUTHENTICATED
    assert await refused(f"{two.ws_url}?ticket={kept_ticket}") == UNAUTHENTICATED
    for server in (one, two):
        assert (await asyncio.to_thread(post, f"{server.url}/api/ticket/", minted_a))[0] == 401
        assert (await asyncio.to_thread(post, f"{server.url}/api/token/", tokens["a"]))[0] == 401
    assert (await asyncio.to_thread(post, no_file, minted_a, "GET"))[0] == 401
    # B goes on minting and opening.
    again = await connect_websocket(two.ws_url, token=await socket_token(one, tokens["b"]))
    for client in (again, b_one, page_one, bob):
        await client.close()


# --- A change that sends no event: the timer and the heartbeat ------------------------------


def expire(access_token):
    """Expire the token by a queryset update, which sends no signal and so no event."""
    past = timezone.now() - timedelta(minutes=1)
    AccessToken.objects.filter(pk=access_token.pk).update(expires_at=past)


def minted(access_token_secret):
    response = Client().post("/api/token/", HTTP_AUTHORIZATION=f"Bearer {access_token_secret}")
    assert response.status_code == 200, response.content
    return response.json()["token"]


async def in_process_closed_with(client, timeout=5):
    with pytest.raises(ConnectionClosedError) as closed:
        await client.until(lambda envelope: False, timeout)
    return closed.value.code


@pytest.fixture
def sweeping(settings):
    # Short, so the test waits well under a second for a sweep; the wait allows many times more.
    settings.CHAT = {**settings.CHAT, "REVALIDATE_INTERVAL": 0.2, "IDLE_TIMEOUT": 0}
    return settings


async def open_with_two_tokens(alice):
    (a, secret_a), (_, secret_b) = [
        await sync_to_async(access_tokens.create)(alice, name) for name in ("A", "B")
    ]
    socket_a = await connect_communicator(token=await sync_to_async(minted)(secret_a))
    socket_b = await connect_communicator(token=await sync_to_async(minted)(secret_b))
    return a, socket_a, socket_b


@pytest.mark.django_db(transaction=True)
async def test_an_expired_token_closes_its_sockets_within_the_interval(
    redis_layer, sweeping, alice
):
    a, socket_a, socket_b = await open_with_two_tokens(alice)
    await sync_to_async(expire)(a)
    assert await in_process_closed_with(socket_a) == REVOKED  # without a heartbeat
    await socket_b.ok("session.heartbeat")
    await socket_b.close()


@pytest.mark.django_db(transaction=True)
async def test_the_heartbeat_checks_the_token_its_socket_was_opened_with(redis_layer, alice):
    a, socket_a, socket_b = await open_with_two_tokens(alice)
    await sync_to_async(expire)(a)
    await socket_b.ok("session.heartbeat")
    await socket_a.send({"event_type": "session.heartbeat", "request_id": "beat"})
    assert await in_process_closed_with(socket_a) == REVOKED
    await socket_b.close()
