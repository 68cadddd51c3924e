"""On a dyno the app answers its random herokuapp.com host with no config var naming it.

Heroku's Deploy button gives a new app a host like name-0123456789ab.herokuapp.com, which
nobody can type into the form before it exists. Heroku's router delivers a herokuapp.com
request only to the app that owns the host, so on a dyno (DYNO set) the app allows
herokuapp.com hosts; off a dyno, and for every other host, ALLOWED_HOSTS still decides.
"""

import secrets

import pytest
import websockets

from tests.clients import connect_websocket
from tests.helpers import token_status
from testservers.live import LiveServer, base_env

pytestmark = [pytest.mark.timeout(90)]

HEROKU_HOST = f"chat-{secrets.token_hex(6)}.herokuapp.com"


async def handshake_status(server, host, origin):
    """Return 101 if the socket handshake under ``host`` passes, else the HTTP status."""
    try:
        client = await connect_websocket(
            f"ws://{host}:{server.port}/ws/chat/",
            origin=origin,
            expect_hello=False,
            additional_headers={"X-Forwarded-Proto": "https"},
            host="127.0.0.1",  # where the socket connects; the URL's host is the Host header
            port=server.port,
        )
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    await client.close()
    return 101


@pytest.fixture(scope="module")
def dyno(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dyno")
    env = base_env(workdir, ALLOWED_HOSTS="chat.example.com", DYNO="web.1")
    with LiveServer(workdir, env) as live:
        yield live


def test_a_dyno_answers_its_herokuapp_host_and_the_listed_domains(dyno):
    assert token_status(dyno.url, HEROKU_HOST) == 401
    assert token_status(dyno.url, "chat.example.com") == 401


def test_a_dyno_still_refuses_other_hosts(dyno):
    assert token_status(dyno.url, "evil.example") == 400
    assert token_status(dyno.url, "herokuapp.com.evil.example") == 400


async def test_a_dyno_takes_sockets_from_its_own_herokuapp_page_only(dyno):
    own = f"https://{HEROKU_HOST}:{dyno.port}"
    assert await handshake_status(dyno, HEROKU_HOST, own) == 101
    other_app = f"https://chat-{secrets.token_hex(6)}.herokuapp.com:{dyno.port}"
    assert await handshake_status(dyno, HEROKU_HOST, other_app) == 403


def test_off_a_dyno_the_herokuapp_host_must_be_listed(tmp_path):
    env = base_env(tmp_path, ALLOWED_HOSTS="chat.example.com")
    with LiveServer(tmp_path, env) as live:
        assert token_status(live.url, HEROKU_HOST) == 400
        assert token_status(live.url, "chat.example.com") == 401
