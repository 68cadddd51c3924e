"""Open sockets end when their credential does: password, status, deletion, logout."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import ChatSession
from tests.clients import ConnectionClosedError, connect_communicator

pytestmark = [pytest.mark.django_db(transaction=True)]

REVOKED = 4010


async def closed_with(client, timeout=5):
    """Wait for the server to close the socket; return the close code."""
    with pytest.raises(ConnectionClosedError) as closed:
        await client.until(lambda envelope: False, timeout)
    return closed.value.code


def change_password(user):
    user.set_password("a-new-password-for-tests")
    user.save()


def deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def log_out_everywhere(user):
    user.rotate_security_stamp()
    user.save(update_fields=["security_stamp"])


@pytest.mark.parametrize(
    "revoke", [change_password, deactivate, log_out_everywhere, lambda user: user.delete()]
)
async def test_revoking_closes_every_open_socket_at_once(connect, alice, bob, revoke):
    sockets = [await connect(alice), await connect(alice)]
    bystander = await connect(bob)
    await sync_to_async(revoke)(alice)
    for socket in sockets:
        assert await closed_with(socket) == REVOKED
    assert not await sync_to_async(ChatSession.objects.filter(user_id=alice.pk).exists)()
    await bystander.ok("session.heartbeat")


async def test_a_profile_edit_or_login_closes_nothing(connect, alice):
    socket = await connect(alice)
    alice.first_name = "Alice"
    await sync_to_async(alice.save)()
    await sync_to_async(alice.save)(update_fields=["last_login"])
    await socket.ok("session.heartbeat")


async def test_the_heartbeat_catches_a_revocation_whose_event_was_lost(connect, alice):
    socket = await connect(alice)
    # A queryset update sends no signal: the open socket hears nothing until it heartbeats.
    await sync_to_async(get_user_model().objects.filter(pk=alice.pk).update)(is_active=False)
    await socket.send({"event_type": "session.heartbeat", "request_id": "beat"})
    assert await closed_with(socket) == REVOKED


async def test_logging_out_closes_the_sockets_of_that_browser_session_only(
    connect, redis_layer, alice
):
    browser, other_browser = Client(), Client()
    await sync_to_async(browser.force_login)(alice)
    await sync_to_async(other_browser.force_login)(alice)

    async def page_socket(client):
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        return await connect_communicator(headers=[(b"cookie", cookie)])

    page, other_page = await page_socket(browser), await page_socket(other_browser)
    token_socket = await connect(alice)
    await sync_to_async(browser.post)("/accounts/logout/")
    assert await closed_with(page) == REVOKED
    await other_page.ok("session.heartbeat")
    await token_socket.ok("session.heartbeat")
    await other_page.close()


async def test_log_out_everywhere_from_the_page_ends_sessions_tokens_and_sockets(
    connect, redis_layer, alice
):
    from chat.auth import token_issue

    browser = Client()
    await sync_to_async(browser.force_login)(alice)
    socket = await connect(alice)
    token, _ = await sync_to_async(token_issue)(alice)
    response = await sync_to_async(browser.post)("/accounts/logout/everywhere/")
    assert response.status_code == 302
    assert await closed_with(socket) == REVOKED
    assert (await sync_to_async(browser.get)("/")).status_code == 302  # back to the login page
    late = await connect_communicator(token=token, expect_hello=False)
    assert (await late.communicator.receive_output(timeout=3))["code"] == 4001
