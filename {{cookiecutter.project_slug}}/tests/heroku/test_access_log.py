"""The router's access log, which Heroku sends to every log drain, opens no socket.

The router logs each request line with its query string. After sockets opened every way a
client can (a bearer token in the handshake's header, a browser's ticket in the URL), every
logged socket URL is replayed as whoever reads the log would: each is refused.
"""

import asyncio
import re
import time

import pytest
import websockets

from tests.heroku.deploy import PASSWORD, socket_to, ticket, token

pytestmark = [pytest.mark.timeout(120)]

LOGGED_PATH = re.compile(r' path="([^"]*)" host=(\S+) ')


def logged_requests(router, after):
    """Return (path, host) of each request logged after line ``after`` of the access log."""
    return [
        match.groups() for line in router.log_lines()[after:] if (match := LOGGED_PATH.search(line))
    ]


async def sockets_logged(router, after, count, timeout=20):
    """Wait for ``count`` socket requests in the log: nginx writes a line once one ends."""
    deadline = time.monotonic() + timeout
    while True:
        logged = logged_requests(router, after)
        if sum(path.startswith("/ws/") for path, _ in logged) >= count:
            return logged
        if time.monotonic() > deadline:
            raise AssertionError(f"not {count} sockets in the access log: {logged}")
        await asyncio.sleep(0.05)


async def closes_unauthenticated(router, host, path):
    """Whether a socket to ``path`` with nothing but the URL is closed 4001 before its hello."""
    client = await socket_to(router, host, path, origin=f"https://{host}", expect_hello=False)
    try:
        first = await client.receive(timeout=10)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code == 4001
    await client.close()
    raise AssertionError(f"{path} opened a socket: {first}")


async def test_no_logged_url_opens_a_socket(heroku_app):
    router, host = heroku_app.router, heroku_app.host
    start = len(router.log_lines())
    bearer = await asyncio.to_thread(token, router, host, "alice", PASSWORD)
    by_header = await socket_to(router, host, token=bearer)
    tickets = [await asyncio.to_thread(ticket, router, host, bearer) for _ in range(2)]
    by_ticket = [
        await socket_to(router, host, f"/ws/chat/?ticket={t}", origin=f"https://{host}")
        for t in tickets
    ]
    for client in [by_header, *by_ticket]:
        assert client.hello["user"]["username"] == "alice"
        await client.close()

    logged = await sockets_logged(router, start, 3)
    sockets = [path for path, _ in logged if path.startswith("/ws/")]
    # The log holds every connect with its full query string: the test replays real lines.
    assert len(sockets) == 3, logged
    assert {f"/ws/chat/?ticket={t}" for t in tickets} <= set(sockets)
    assert all(logged_host == host for _, logged_host in logged)
    assert not any(bearer in line or PASSWORD in line for line in router.log_lines())
    for path in sockets:
        assert await closes_unauthenticated(router, host, path), path
