"""A user deletes their own account from the page's session: their password first, then
their open sockets close at once and the people in their rooms are told."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from tests.rooms import room_with, say
from tests.security.test_revocation import REVOKED, closed_with

pytestmark = [pytest.mark.django_db(transaction=True)]


def browser(user):
    """A logged-in browser session with its CSRF cookie, as the chat page has."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")
    return client


def delete_account(client, password, *, csrf=True):
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if csrf else {}
    response = client.post(
        "/api/account/delete/",
        json.dumps({"password": password}),
        content_type="application/json",
        headers=headers,
    )
    return response.status_code, response.json() if response.content[:1] == b"{" else None


def exists(username):
    return get_user_model().objects.filter(username=username).exists()


async def test_a_user_deletes_their_account_and_their_sockets_close_at_once(
    connect, alice, bob, settings
):
    settings.CHAT = {**settings.CHAT, "DELETED_USER_MESSAGES": "remove"}
    sockets = [await connect(alice), await connect(alice)]
    b = await connect(bob)
    room = await room_with(sockets[0], b, *sockets[1:])
    message = await say(sockets[0], room, "soon gone")
    await b.expect("message.new")
    session = await sync_to_async(browser)(alice)

    # Without the CSRF token, or with a wrong password: refused, nothing changes.
    assert (await sync_to_async(delete_account)(session, "pw-for-tests", csrf=False))[0] == 403
    status, answer = await sync_to_async(delete_account)(session, "not-my-password")
    assert (status, answer["error"]) == (403, "forbidden")
    assert await sync_to_async(exists)("alice")
    await sockets[0].ok("session.heartbeat")

    status, answer = await sync_to_async(delete_account)(session, "pw-for-tests")
    assert (status, answer) == (200, {"deleted": True})
    for socket in sockets:
        assert await closed_with(socket) == REVOKED
    assert not await sync_to_async(exists)("alice")
    removed = await b.expect("room.members_removed")
    # Open pages show her messages as a deleted user's from now on.
    assert removed == {"room_id": room["id"], "user_ids": [alice.pk], "accounts_deleted": True}
    deleted = await b.expect("message.deleted")
    assert deleted["message"]["id"] == message["id"] and deleted["message"]["content"] == ""
    # Bob now leads the room, and the session that deleted the account is over.
    room_now = (await b.ok("room.info", {"room_id": room["id"]}))["room"]
    assert room_now["role"] == "admin"
    assert (await sync_to_async(session.get)("/")).status_code == 302
