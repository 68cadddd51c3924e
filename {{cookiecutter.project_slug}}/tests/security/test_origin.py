"""A browser's socket is accepted only from the page's own origin, or a trusted one.

Through a running Uvicorn: another port or scheme of the same host is another origin (its
page would otherwise open a socket carrying the user's cookie); X-Forwarded-Proto from a
trusted proxy decides the scheme, as Heroku's router sends it; CSRF_TRUSTED_ORIGINS adds
origins; a Host that is not one of ALLOWED_HOSTS is refused before anything else.
"""

import asyncio

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token
from testservers.live import LiveServer, base_env, create_users

pytestmark = [pytest.mark.timeout(90)]

PASSWORD = "pw-for-tests"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("origin")
    env = base_env(workdir, CSRF_TRUSTED_ORIGINS="https://*.partner.example,http://tools.test:9000")
    live = LiveServer(workdir, env)
    create_users(env, "alice", password=PASSWORD)
    with live:
        live.token = fetch_token(live.url, "alice", PASSWORD)
        yield live


async def opens(server, *, origin, host=None, headers=()):
    """Return True if a socket with these handshake headers gets its hello, False on 403."""
    url = server.ws_url if host is None else server.ws_url.replace("127.0.0.1", host)
    try:
        client = await connect_websocket(
            url, token=server.token, origin=origin, additional_headers=dict(headers)
        )
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False
    await client.close()
    return True


async def test_the_pages_own_origin_opens_a_socket(server):
    assert await opens(server, origin=f"http://127.0.0.1:{server.port}")
    assert await opens(server, origin=f"http://localhost:{server.port}", host="localhost")
    assert await opens(server, origin=None)  # not a browser: its token is its credential


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:{other_port}",  # another port of the same host
        "https://127.0.0.1:{port}",  # another scheme
        "http://127.0.0.1",  # the default port is another port
        "http://localhost:{port}",  # an allowed host, but not the one the socket is on
        "https://evil.example",
        "null",  # sandboxed frames and file: pages
    ],
)
async def test_any_other_origin_is_refused(server, origin):
    origin = origin.format(port=server.port, other_port=server.port + 1)
    assert not await opens(server, origin=origin)


async def test_the_scheme_is_the_one_the_proxy_saw(server):
    https = {"X-Forwarded-Proto": "https"}
    assert await opens(server, origin=f"https://127.0.0.1:{server.port}", headers=https)
    assert not await opens(server, origin=f"http://127.0.0.1:{server.port}", headers=https)


async def test_trusted_origins_are_listed_explicitly(server):
    assert await opens(server, origin="https://chat.partner.example")
    assert await opens(server, origin="http://tools.test:9000")
    assert not await opens(server, origin="http://chat.partner.example")  # not its scheme
    assert not await opens(server, origin="https://partner.example.evil.test")
    assert not await opens(server, origin="http://tools.test:9001")


async def test_a_host_that_is_not_allowed_is_refused(tmp_path):
    env = base_env(tmp_path, ALLOWED_HOSTS="localhost")
    with LiveServer(tmp_path, env) as live:
        url = f"ws://127.0.0.1:{live.port}/ws/chat/"
        with pytest.raises(websockets.InvalidStatus) as refused:
            await connect_websocket(url, origin=None, expect_hello=False)
        assert refused.value.response.status_code == 403
        # The allowed host passes the handshake; the missing token then closes it with 4001.
        client = await connect_websocket(
            f"ws://localhost:{live.port}/ws/chat/", origin=None, expect_hello=False
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(client.connection.recv(), 10)
        assert closed.value.rcvd.code == 4001
