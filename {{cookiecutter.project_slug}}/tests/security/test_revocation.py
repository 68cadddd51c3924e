"""Open sockets end when their credential does: password, status, deletion, logout.

At once through the revocation events, and within CHAT["REVALIDATE_INTERVAL"] through each
process's own timer when an event is lost or never sent; a socket that stops heartbeating is
closed after CHAT["IDLE_TIMEOUT"].
"""

import asyncio

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


# --- The server's own timer: nothing relies on the client or on a revocation event ----------

IDLE, REPLACED = 4011, 4008
# Short, so each test waits well under a second for a sweep; the waits allow many times more.
SWEEP = {"REVALIDATE_INTERVAL": 0.2, "IDLE_TIMEOUT": 0}


@pytest.fixture
def sweeping(settings):
    settings.CHAT = {**settings.CHAT, **SWEEP}
    return settings


async def test_a_socket_that_never_heartbeats_is_closed_by_the_server(connect, sweeping, alice):
    sweeping.CHAT = {**sweeping.CHAT, "IDLE_TIMEOUT": 1.5}
    silent, beating = await connect(alice), await connect(alice)
    closing = asyncio.create_task(closed_with(silent, timeout=10))
    while not closing.done():  # the other socket heartbeats well within the timeout
        await beating.ok("session.heartbeat")
        await asyncio.wait([closing], timeout=0.3)
    assert closing.result() == IDLE
    assert await sync_to_async(ChatSession.objects.filter(user_id=alice.pk).count)() == 1
    await beating.ok("session.heartbeat")


def drop_chat_sessions(user):
    ChatSession.objects.filter(user_id=user.pk).delete()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda user: type(user).objects.filter(pk=user.pk).update(is_active=False), REVOKED),
        (lambda user: type(user).objects.filter(pk=user.pk).update(password="!"), REVOKED),
        (drop_chat_sessions, REPLACED),
    ],
    ids=["deactivated", "password", "session-row"],
)
async def test_a_change_that_sends_no_signal_closes_the_socket_within_the_interval(
    connect, sweeping, alice, bob, change, code
):
    socket, bystander = await connect(alice), await connect(bob)
    await sync_to_async(change)(alice)
    assert await closed_with(socket) == code  # without a heartbeat or any other frame
    await bystander.ok("session.heartbeat")


async def test_a_browser_session_deleted_without_logging_out_closes_its_page(
    connect, sweeping, alice
):
    from django.contrib.sessions.models import Session

    browser = Client()
    await sync_to_async(browser.force_login)(alice)
    session_key = browser.cookies["sessionid"].value
    page = await connect_communicator(headers=[(b"cookie", f"sessionid={session_key}".encode())])
    token_socket = await connect(alice)
    await sync_to_async(Session.objects.filter(session_key=session_key).delete)()
    assert await closed_with(page) == REVOKED
    await token_socket.ok("session.heartbeat")


async def test_a_password_changed_while_redis_is_down_closes_the_socket_later(
    own_redis_layer, sweeping, make_user, alice
):
    """The change commits and its revocation event is lost: the admin's form still succeeds,
    and the server's timer closes the socket."""
    socket = await connect_communicator(alice)
    admin = await sync_to_async(make_user)("admin")
    admin.is_staff = admin.is_superuser = True
    await sync_to_async(admin.save)()
    browser = Client()
    await sync_to_async(browser.force_login)(admin)
    own_redis_layer.stop()  # for real: the revocation event cannot be published
    new_password = "a-new-password-for-tests"
    response = await sync_to_async(browser.post)(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert await closed_with(socket) == REVOKED
    assert not await sync_to_async(ChatSession.objects.filter(user_id=alice.pk).exists)()
