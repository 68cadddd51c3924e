"""Through the router, a socket opens only from the app's own page: https on port 443.

The router ends TLS and tells the dyno so (X-Forwarded-Proto: https); the page a browser
loaded from https://<app>.herokuapp.com is the only origin on that host whose pages may open
a socket with the user's cookie or ticket.
"""

import asyncio
import secrets

import pytest
import websockets

from tests.heroku.deploy import PASSWORD, socket_to, ticket, token

pytestmark = [pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def bearer(heroku_app):
    return token(heroku_app.router, heroku_app.host, "alice", PASSWORD)


async def handshake(app, bearer, origin):
    """Return 101 if a socket with this Origin gets its hello, else the refusal's status."""
    one_use = await asyncio.to_thread(ticket, app.router, app.host, bearer)
    try:
        client = await socket_to(app.router, app.host, f"/ws/chat/?ticket={one_use}", origin=origin)
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    await client.close()
    return 101


async def test_the_apps_own_page_opens_a_socket(heroku_app, bearer):
    # Browsers leave the default port out of an Origin.
    assert await handshake(heroku_app, bearer, f"https://{heroku_app.host}") == 101


@pytest.mark.parametrize(
    "origin",
    [
        "http://{host}",  # the same host over plain HTTP
        "http://{host}:443",
        "https://{host}:8443",  # another port of the same host
        "https://{host}:{router_port}",  # the port the router really listens on here
        "https://chat-{other}.herokuapp.com",  # another app on herokuapp.com
        "https://herokuapp.com",
    ],
)
async def test_another_port_scheme_or_app_is_refused(heroku_app, bearer, origin):
    origin = origin.format(
        host=heroku_app.host, router_port=heroku_app.router.port, other=secrets.token_hex(6)
    )
    assert await handshake(heroku_app, bearer, origin) == 403
