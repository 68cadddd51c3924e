"""The router behaves as Heroku's: headers it sets, what it logs, and its timeouts.

Most of it is seen from a small upstream that echoes the headers it receives; the WebSocket
idle rule is seen through the deployed app, with a shorter window than Heroku's 55 s.
"""

import asyncio
import json
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import websockets

from tests.helpers import start_service
from tests.heroku.deploy import PASSWORD, request, socket_to, token
from tests.integration.procfile import procfile_commands
from testservers.router import FIRST_BYTE_TIMEOUT, IDLE_TIMEOUT, HerokuRouter

pytestmark = [pytest.mark.timeout(120)]

HOST = "echo-0123456789ab.herokuapp.com"
SHORT = 1  # seconds: the first-byte and idle windows of the routers with short timeouts


class Echo(BaseHTTPRequestHandler):
    """Answer with the request's headers as JSON; /slow answers once ``release`` is set."""

    release = threading.Event()

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/slow"):
            self.release.wait(60)
        body = json.dumps({key.lower(): value for key, value in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6  # this router reaches its upstreams on ::1, as Fir's does


@pytest.fixture(scope="module")
def echo_router(tmp_path_factory, requirements):
    upstream = IPv6Server(("::1", 0), Echo)
    upstream.daemon_threads = True
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    router = HerokuRouter(
        tmp_path_factory.mktemp("echo-router"),
        [HOST],
        [upstream.server_port],
        first_byte_timeout=SHORT,
        dyno_address="[::1]",
    )
    with start_service(lambda: router):
        yield router
    Echo.release.set()
    upstream.shutdown()


def echoed(router, path="/", headers=None):
    status, _, body = request(router, HOST, "GET", path, headers=headers)
    assert status == 200, (status, body)
    return json.loads(body)


def test_forwarded_headers_are_the_routers_not_the_clients(echo_router):
    seen = echoed(
        echo_router,
        headers={
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Port": "80",
            "X-Forwarded-For": "203.0.113.9",
            "X-Request-Id": "short",
        },
    )
    assert seen["host"] == HOST
    assert seen["x-forwarded-proto"] == "https"
    assert seen["x-forwarded-port"] == "443"
    # Appended: the client's own value stays to the left of the address the router saw.
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"]), seen
    assert seen["x-request-start"].startswith("t=")


def test_a_clients_request_id_is_kept_when_it_looks_like_one(echo_router):
    request_id = str(uuid.uuid4())
    assert echoed(echo_router, headers={"X-Request-Id": request_id})["x-request-id"] == request_id


def test_the_log_holds_the_full_request_line(echo_router):
    seen = echoed(echo_router, "/some/path?ticket=abc&b=%20")
    deadline = time.monotonic() + 20
    while not any(seen["x-request-id"] in line for line in echo_router.log_lines()):
        assert time.monotonic() < deadline, echo_router.log_lines()
        time.sleep(0.05)
    line = next(line for line in echo_router.log_lines() if seen["x-request-id"] in line)
    assert f'path="/some/path?ticket=abc&b=%20" host={HOST} ' in line
    assert "status=200" in line


def test_no_first_byte_within_the_window_is_a_504(echo_router):
    started = time.monotonic()
    status, _, _ = request(echo_router, HOST, "GET", "/slow")
    assert status == 504
    assert time.monotonic() - started >= SHORT * 0.9


def test_the_default_windows_are_herokus(tmp_path):
    assert (FIRST_BYTE_TIMEOUT, IDLE_TIMEOUT) == (30, 55)
    config = HerokuRouter(tmp_path, [HOST], [8000]).render()
    http_block = config.split("location / {")[1].split("}")[0]
    socket_block = config.split("location /ws/ {")[1].split("}")[0]
    assert "proxy_read_timeout 30s;" in http_block
    assert "proxy_read_timeout 55s;" in socket_block
    # The web process pings sockets well within the idle window, so idle chats stay open.
    ping = re.search(r"--ws-ping-interval (\d+)", procfile_commands()["web"])
    assert ping and int(ping.group(1)) * 2 <= IDLE_TIMEOUT


async def test_a_socket_idle_for_the_window_is_closed_by_the_router(heroku_app, tmp_path):
    idle = 2
    router = HerokuRouter(tmp_path, [heroku_app.host], heroku_app.ports(), idle_timeout=idle)
    with start_service(lambda: router):
        bearer = await asyncio.to_thread(token, router, heroku_app.host, "alice", PASSWORD)
        # No client pings; the app's come every 20 s, later than this router's window.
        client = await socket_to(router, heroku_app.host, token=bearer, ping_interval=None)
        quiet_since = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.until(lambda envelope: False, timeout=30)
        waited = time.monotonic() - quiet_since
    assert closed.value.rcvd is None  # no close frame: the router dropped the connection
    assert waited >= idle * 0.5, waited
