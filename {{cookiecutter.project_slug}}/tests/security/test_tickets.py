"""No credential in a socket URL opens a socket twice, or late.

Routers and proxies log every request line with its query string (Heroku's router sends it to
every log drain). So tokens go in the handshake's Authorization header, and browsers, which
cannot set headers on a WebSocket, put a ticket in the URL: single-use, short-lived, bound to
the token's credential, used up by any handshake that presents it (one refused for its Origin
too) and kept out of the server's own logs. Through a running Uvicorn.
"""

import asyncio
import urllib.error
import urllib.request

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token, post_ticket
from testservers.live import LiveServer, base_env, create_users, run_django

pytestmark = [pytest.mark.timeout(90)]

PASSWORD = "pw-for-tests"
TICKET_TTL = 1  # the expiry server's; the other's is the default 30 s


def start(workdir, **overrides):
    env = base_env(workdir, **overrides)
    live = LiveServer(workdir, env)
    create_users(env, "alice", "bob", password=PASSWORD)
    return live


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start(tmp_path_factory.mktemp("tickets")) as live:
        live.token = fetch_token(live.url, "alice", PASSWORD)
        yield live


async def ticket_for(server, token=None):
    return (await asyncio.to_thread(post_ticket, server.url, token or server.token))["ticket"]


async def refused(server, query, **kwargs):
    """Connect with ``query`` in the URL and return the close code the socket gets."""
    client = await connect_websocket(f"{server.ws_url}?{query}", expect_hello=False, **kwargs)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.receive(timeout=10)
    return closed.value.rcvd.code


async def test_a_ticket_opens_one_socket_once(server):
    ticket = await ticket_for(server)
    client = await connect_websocket(f"{server.ws_url}?ticket={ticket}")
    assert client.hello["user"]["username"] == "alice"
    assert await refused(server, f"ticket={ticket}") == 4001
    await client.ok("session.heartbeat")  # the first socket is unaffected
    await client.close()


async def test_a_ticket_refused_for_its_origin_is_used_up_and_not_logged(server):
    """The handshake's URL is in every log on the way: replayed from one with the page's
    origin, the ticket of a handshake refused for its Origin opens nothing."""
    logged_before = len(server.log())
    ticket = await ticket_for(server)
    with pytest.raises(websockets.InvalidStatus) as refusal:
        await connect_websocket(f"{server.ws_url}?ticket={ticket}", origin="https://evil.example")
    assert refusal.value.response.status_code == 403
    own_origin = f"http://127.0.0.1:{server.port}"
    assert await refused(server, f"ticket={ticket}", origin=own_origin) == 4001
    accepted = await ticket_for(server)
    client = await connect_websocket(f"{server.ws_url}?ticket={accepted}", origin=own_origin)
    await client.close()
    # Uvicorn logs both handshakes with their query strings: neither ticket is in the log.
    async with asyncio.timeout(10):
        while (log := server.log()[logged_before:]).count("/ws/chat/?ticket=[redacted]") < 3:
            await asyncio.sleep(0.05)
    assert ticket not in log
    assert accepted not in log


async def test_a_ticket_beside_a_token_is_used_up_too(server):
    ticket = await ticket_for(server)
    url = f"{server.ws_url}?ticket={ticket}"
    client = await connect_websocket(url, token=server.token)  # the token authenticates
    await client.close()
    assert await refused(server, f"ticket={ticket}") == 4001


async def test_two_connects_racing_with_one_ticket_get_one_socket(server):
    ticket = await ticket_for(server)
    url = f"{server.ws_url}?ticket={ticket}"
    clients = await asyncio.gather(*(connect_websocket(url, expect_hello=False) for _ in range(5)))
    firsts = await asyncio.gather(*(c.receive(timeout=10) for c in clients), return_exceptions=True)
    opened = [f for f in firsts if isinstance(f, dict) and f["event_type"] == "session.hello"]
    assert len(opened) == 1, firsts
    for client in clients:
        await client.close()


async def test_a_ticket_expires(tmp_path):
    with start(tmp_path, CHAT_TICKET_TTL=TICKET_TTL) as live:
        token = await asyncio.to_thread(fetch_token, live.url, "bob", PASSWORD)
        ticket = (await asyncio.to_thread(post_ticket, live.url, token))["ticket"]
        await asyncio.sleep(TICKET_TTL * 4)
        assert await refused(live, f"ticket={ticket}") == 4001


async def test_a_ticket_dies_with_its_credential(server):
    token = await asyncio.to_thread(fetch_token, server.url, "bob", PASSWORD)
    ticket = await ticket_for(server, token)
    run_django(
        server.env,
        """
        from django.contrib.auth import get_user_model
        user = get_user_model().objects.get(username="bob")
        user.set_password("a-new-password-for-bob")
        user.save()
        """,
    )
    assert await refused(server, f"ticket={ticket}") == 4001


@pytest.mark.parametrize(
    "query",
    [
        "ticket=",
        "ticket=not-a-ticket-at-all-but-long-enough",
        "ticket=" + "A" * 5000,
        "ticket=%00%ff",
        "ticket=%F0%9F%98%80" * 10,
    ],
)
async def test_bad_tickets_are_refused(server, query):
    assert await refused(server, query) == 4001


async def test_a_token_in_the_url_opens_nothing(server):
    assert await refused(server, f"token={server.token}") == 4001


async def test_the_ticket_endpoint_wants_a_valid_bearer_token(server):
    for authorization in ["", "Bearer", "Bearer nonsense", f"Basic {server.token}"]:
        assert await asyncio.to_thread(ticket_status, server.url, authorization) == 401
    assert await asyncio.to_thread(ticket_status, server.url, f"Bearer {server.token}") == 200


def ticket_status(base_url, authorization):
    request = urllib.request.Request(
        f"{base_url}/api/ticket/", headers={"Authorization": authorization}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
