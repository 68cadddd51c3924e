"""Password guessing against a running server: every entry point, shared across processes."""

import http.cookiejar
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from testservers.live import PROJECT, LiveServer, base_env, create_users

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
LIMIT = 4


# The production settings, with static files served unhashed (the login pages link them,
# and these tests do not run collectstatic) and cookies a plain-HTTP client keeps.
SETTINGS_MODULE = """
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
"""


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_server):
    """Two processes on one SQLite file and one Redis, with a low failure limit."""
    workdir = tmp_path_factory.mktemp("attempts")
    (workdir / "attempts_settings.py").write_text(SETTINGS_MODULE)
    env = base_env(
        workdir,
        DJANGO_SETTINGS_MODULE="attempts_settings",
        PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"la{uuid.uuid4().hex[:8]}",
        LOGIN_FAILURE_LIMIT=LIMIT,
        LOGIN_COOLOFF_MINUTES=30,
    )
    first = LiveServer(workdir / "one", env)
    second = LiveServer(workdir / "two", env, migrate=False)
    create_users(env, *[f"user{i}" for i in range(6)], password=PASSWORD)
    with first, second:
        yield first, second


def post_token(server, body, client_ip="203.0.113.7"):
    """POST /api/token/ as the router would forward it from ``client_ip``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/api/token/",
        data=data,
        headers={"Content-Type": "application/json", "X-Forwarded-For": client_ip},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                json.loads(response.read()),
            )
    except urllib.error.HTTPError as error:
        return (
            error.code,
            {k.lower(): v for k, v in error.headers.items()},
            json.loads(error.read()),
        )


def test_an_account_is_locked_after_the_limit_on_every_process(two_servers):
    one, two = two_servers
    # The LIMIT-th failure locks the account; the ones before it answer 401.
    statuses = []
    for attempt in range(LIMIT):
        server = (one, two)[attempt % 2]
        status, _, body = post_token(server, {"username": "user0", "password": "wrong"})
        statuses.append((status, body["error"]))
    assert statuses == [(401, "invalid_credentials")] * (LIMIT - 1) + [(429, "locked_out")]
    # The right password from a new address, on either process: still refused.
    for server in (one, two):
        status, headers, body = post_token(
            server, {"username": "user0", "password": PASSWORD}, client_ip="198.51.100.9"
        )
        assert (status, body["error"]) == (429, "locked_out")
        assert "Try again in 30 minutes" in body["detail"]
        assert headers["retry-after"] == "1800"
    # Other accounts are unaffected.
    status, _, body = post_token(
        two, {"username": "user1", "password": PASSWORD}, client_ip="198.51.100.77"
    )
    assert status == 200 and "token" in body


def test_one_address_is_locked_whatever_usernames_it_tries(two_servers):
    one, _ = two_servers
    address = "192.0.2.44"
    for index in range(LIMIT):
        post_token(one, {"username": f"nobody{index}", "password": "x"}, client_ip=address)
    status, _, body = post_token(
        one, {"username": "user2", "password": PASSWORD}, client_ip=address
    )
    assert (status, body["error"]) == (429, "locked_out")
    # A forged leftmost X-Forwarded-For entry does not change the address counted.
    status, _, _ = post_token(
        one, {"username": "user2", "password": PASSWORD}, client_ip=f"10.9.9.9, {address}"
    )
    assert status == 429


def test_unknown_and_known_users_fail_alike(two_servers):
    one, _ = two_servers
    answers, fastest = [], {}
    # Three tries each (below the limit), from new addresses: the fastest of each is what the
    # request costs when the machine is not busy with something else.
    for attempt in range(3):
        for username in ("user3", "no-such-user"):
            started = time.monotonic()
            status, _, body = post_token(
                one, {"username": username, "password": "wrong"}, client_ip=f"192.0.2.1{attempt}"
            )
            elapsed = time.monotonic() - started
            answers.append((status, body))
            fastest[username] = min(fastest.get(username, elapsed), elapsed)
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0][0] == 401
    # Both hash a password (Django's ModelBackend); a shortcut for unknown users would be
    # orders of magnitude faster. A generous bound: the machine may be loaded.
    assert fastest["no-such-user"] > fastest["user3"] / 5


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token."""

    def __init__(self, base_url, client_ip):
        self.base_url = base_url
        self.client_ip = client_ip
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        return self._open(urllib.request.Request(self.base_url + path, headers=self._headers()))

    def post_form(self, path, fields):
        status, page = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, (status, page[:2000])
        token = found.group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=self._headers(), method="POST"
        )
        return self._open(request)

    def _headers(self):
        return {"X-Forwarded-For": self.client_ip, "Referer": self.base_url + "/"}

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.mark.parametrize(
    ("path", "username"), [("/accounts/login/", "user4"), ("/admin/login/", "user5")]
)
def test_the_login_page_and_the_admin_are_locked_too(two_servers, path, username):
    one, _ = two_servers
    browser = Browser(one.url, client_ip=f"198.51.100.{len(path)}")
    for _ in range(LIMIT - 1):
        status, page = browser.post_form(path, {"username": username, "password": "wrong"})
        assert status == 200
        assert "errornote" in page or "form-error" in page  # the admin's, the site's
    status, page = browser.post_form(path, {"username": username, "password": "wrong"})
    assert status == 429
    status, page = browser.post_form(path, {"username": username, "password": PASSWORD})
    assert status == 429
    assert "Try again in 30 minutes" in page
