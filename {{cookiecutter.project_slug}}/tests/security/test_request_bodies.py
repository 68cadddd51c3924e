"""Oversized request bodies are refused before the server reads them, on every path.

A running Uvicorn and a raw socket, so the test controls what is sent and when: a declared
Content-Length over the limit must be answered with nothing of the body sent, and a chunked
body must be answered while the client is still sending, having sent little more than the
limit. Without the limit Django reads the whole body (into a temporary file) before CSRF or
the view answers.
"""

import json
import select
import socket

import pytest

from testservers.live import LiveServer, base_env

pytestmark = [pytest.mark.timeout(120)]

LIMIT = 64 * 1024  # REQUEST_BODY_MAX_BYTES's default
PATHS = [
    "/accounts/login/",
    "/accounts/signup/",
    "/admin/login/",
    "/api/token/",
    "/api/ticket/",
    "/no-such-page/",
]
CHUNK = 16 * 1024
# What a chunked client may send in all: without the limit the server takes every byte.
CHUNKED_BUDGET = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bodies")
    with LiveServer(workdir, base_env(workdir)) as live:
        yield live


def head(path, **headers):
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock):
    """Everything the server sends until it closes the connection."""
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass  # the server closed with the rest of our body unread; what came first counts
    return answer.decode(errors="replace")


def status_and_body(answer):
    status = int(answer.split(" ", 2)[1])
    return status, json.loads(answer.split("\r\n\r\n", 1)[1])


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(server, path):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # Headers only: were the server waiting for the body, this would time out.
        sock.sendall(
            head(
                path,
                **{"Content-Type": "application/x-www-form-urlencoded"},
                **{"Content-Length": 1024**3},
            )
        )
        answer = read_answer(sock)
    status, body = status_and_body(answer)
    assert (status, body["error"]) == (413, "request_too_large"), answer
    assert f"limited to {LIMIT} bytes" in body["detail"]


def send_chunked_until_answered(port, path):
    """Stream a chunked body until the server answers; return (bytes sent, the answer)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            head(path, **{"Content-Type": "application/json"}, **{"Transfer-Encoding": "chunked"})
        )
        frame = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
        try:
            while sent < CHUNKED_BUDGET:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is here while the body is still being sent
                sock.sendall(frame)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed while a chunk was under way
        return sent, read_answer(sock)


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/token/"])
def test_a_chunked_body_is_cut_off_once_past_the_limit(server, path):
    sent, answer = send_chunked_until_answered(server.port, path)
    print(f"{path}: {sent} bytes sent when the answer came")
    status, body = status_and_body(answer)
    assert (status, body["error"]) == (413, "request_too_large"), answer
    # What a client has sent includes what sits in the two sockets' kernel buffers on the
    # way (a few MiB on loopback at most): far below what it would have sent unanswered.
    assert sent < CHUNKED_BUDGET / 4, sent


def test_bodies_within_the_limit_are_read_as_before(server):
    """A chunked body under the limit reaches the view: unknown user, 401."""
    credentials = json.dumps({"username": "nobody", "password": "x" * 1000}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            head(
                "/api/token/",
                **{"Content-Type": "application/json"},
                **{"Transfer-Encoding": "chunked", "Connection": "close"},
            )
            + f"{len(credentials):x}\r\n".encode()
            + credentials
            + b"\r\n0\r\n\r\n"
        )
        answer = read_answer(sock)
    status, body = status_and_body(answer)
    assert (status, body["error"]) == (401, "invalid_credentials"), answer
