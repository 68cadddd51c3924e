"""Password guessing against a running server: every entry point, shared across processes."""

import functools
import http.client
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

from testservers.live import PROJECT, LiveServer, base_env, create_users, manage, run_django

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
LIMIT = 4  # one account from one address
ADDRESS_LIMIT = 8  # one address, whatever the usernames
ACCOUNT_LIMIT = 12  # one account, from all addresses together


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


def attempts_env(workdir, redis_server, **overrides):
    (workdir / "attempts_settings.py").write_text(SETTINGS_MODULE)
    return base_env(
        workdir,
        DJANGO_SETTINGS_MODULE="attempts_settings",
        PYTHONPATH=f"{workdir}{os.pathsep}{PROJECT}",
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"la{uuid.uuid4().hex[:8]}",
        LOGIN_FAILURE_LIMIT=LIMIT,
        LOGIN_ADDRESS_FAILURE_LIMIT=ADDRESS_LIMIT,
        LOGIN_ACCOUNT_FAILURE_LIMIT=ACCOUNT_LIMIT,
        LOGIN_COOLOFF_MINUTES=30,
        **overrides,
    )


# user11 logs in by email: an address confirmed through allauth.
WITH_AN_ADDRESS = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username="user11")
user.email = "user11@example.com"
user.save()
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
"""


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_server):
    """Two processes on one SQLite file and one Redis, with low failure limits, behind a
    router: the tests write the X-Forwarded-For entry Heroku's router appends."""
    workdir = tmp_path_factory.mktemp("attempts")
    env = attempts_env(workdir, redis_server, TRUSTED_PROXY_COUNT=1)
    first = LiveServer(workdir / "one", env)
    second = LiveServer(workdir / "two", env, migrate=False)
    create_users(env, *[f"user{i}" for i in range(14)], password=PASSWORD)
    run_django(env, WITH_AN_ADDRESS)
    with first, second:
        yield first, second


@pytest.fixture(scope="module")
def direct_server(tmp_path_factory, redis_server):
    """A server with no proxy in front, TRUSTED_PROXY_COUNT left to its default (no DYNO).
    Its account-wide limit is out of reach, so that only the address can lock."""
    workdir = tmp_path_factory.mktemp("direct")
    env = attempts_env(workdir, redis_server)
    env["LOGIN_ACCOUNT_FAILURE_LIMIT"] = "1000"
    server = LiveServer(workdir, env)
    create_users(env, *[f"direct{i}" for i in range(3)], password=PASSWORD)
    with server:
        yield server


# Clients that are not the local machine: Uvicorn takes X-Forwarded-For only from the
# addresses of --forwarded-allow-ips (127.0.0.1 and ::1 by default), as from a local proxy.
# Each test connects from an address of its own (a locked address stays locked).
REMOTE_CLIENTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]


class FromAddress(urllib.request.HTTPHandler):
    """Connect from a given local address."""

    def __init__(self, address):
        super().__init__()
        self.address = address

    def http_open(self, req):
        connection = functools.partial(http.client.HTTPConnection, source_address=(self.address, 0))
        return self.do_open(connection, req)


def post_token(server, body, client_ip="203.0.113.7", source=None):
    """POST /api/token/ as the router would forward it from ``client_ip``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/api/token/",
        data=data,
        headers={"Content-Type": "application/json", "X-Forwarded-For": client_ip},
        method="POST",
    )
    opener = urllib.request.build_opener(*([FromAddress(source)] if source else []))
    try:
        with opener.open(request, timeout=30) as response:
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


def test_an_account_is_locked_from_one_address_on_every_process(two_servers):
    one, two = two_servers
    # The LIMIT-th failure locks the account for that address; the ones before answer 401.
    statuses = []
    for attempt in range(LIMIT):
        server = (one, two)[attempt % 2]
        status, _, body = post_token(server, {"username": "user0", "password": "wrong"})
        statuses.append((status, body["error"]))
    assert statuses == [(401, "invalid_credentials")] * (LIMIT - 1) + [(429, "locked_out")]
    # The right password from that address, on either process: still refused.
    for server in (one, two):
        status, headers, body = post_token(server, {"username": "user0", "password": PASSWORD})
        assert (status, body["error"]) == (429, "locked_out")
        assert "Try again in 30 minutes" in body["detail"]
        assert headers["retry-after"] == "1800"
    # The account's owner, from elsewhere, is not locked out by someone else's guesses.
    status, _, body = post_token(
        two, {"username": "user0", "password": PASSWORD}, client_ip="198.51.100.9"
    )
    assert status == 200 and "token" in body


def test_one_address_is_locked_whatever_usernames_it_tries(two_servers):
    one, _ = two_servers
    address = "192.0.2.44"
    for index in range(ADDRESS_LIMIT):
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


def test_an_account_is_locked_from_all_addresses_only_at_the_higher_limit(two_servers):
    one, two = two_servers
    # Guesses spread over many addresses, each below the per-address limits.
    statuses = [
        post_token((one, two)[i % 2], {"username": "user6", "password": "x"}, f"192.0.2.{100 + i}")
        for i in range(ACCOUNT_LIMIT)
    ]
    assert [status for status, _, _ in statuses] == [401] * (ACCOUNT_LIMIT - 1) + [429]
    status, _, body = post_token(
        one, {"username": "user6", "password": PASSWORD}, client_ip="198.51.100.66"
    )
    assert (status, body["error"]) == (429, "locked_out")


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

    def __init__(self, base_url, client_ip, source=None):
        self.base_url = base_url
        self.client_ip = client_ip
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            *([FromAddress(source)] if source else []),
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


def login_fields(path, username, password):
    """The form fields of a login at ``path``: the site's takes a username or an email address
    in "login", the admin's a username."""
    return {"login" if path == "/accounts/login/" else "username": username, "password": password}


@pytest.mark.parametrize(
    ("path", "username"),
    [
        ("/accounts/login/", "user4"),
        ("/accounts/login/", "user11@example.com"),
        ("/admin/login/", "user5"),
    ],
    ids=["login", "login-by-email", "admin"],
)
def test_the_login_page_and_the_admin_are_locked_too(two_servers, path, username):
    one, _ = two_servers
    browser = Browser(one.url, client_ip=f"198.51.100.{len(path) + len(username)}")
    for _ in range(LIMIT - 1):
        status, page = browser.post_form(path, login_fields(path, username, "wrong"))
        assert status == 200
        assert "errornote" in page or "form-error" in page  # the admin's, the site's
    status, page = browser.post_form(path, login_fields(path, username, "wrong"))
    assert status == 429
    status, page = browser.post_form(path, login_fields(path, username, PASSWORD))
    assert status == 429
    assert "Try again in 30 minutes" in page
    # From another address the owner is not locked out (the admin then refuses a user who
    # is not staff, with its own message).
    elsewhere = Browser(one.url, client_ip="198.51.100.200")
    status, page = elsewhere.post_form(path, login_fields(path, username, PASSWORD))
    assert status == 200 and "Try again in" not in page
    assert ("errornote" in page) == (path == "/admin/login/")


@pytest.mark.parametrize(
    ("path", "field"),
    [("/accounts/reauthenticate/", "password"), ("/accounts/password/change/", "oldpassword")],
    ids=["reauthenticate", "password-change"],
)
def test_a_stolen_session_cannot_guess_the_password_either(two_servers, path, field):
    """Pages that ask a logged-in user for their password again count failures as logins do."""
    one, _ = two_servers
    username = "user12" if field == "password" else "user13"
    browser = Browser(one.url, client_ip=f"198.51.100.{150 + len(field)}")
    status, _ = browser.post_form(
        "/accounts/login/", login_fields("/accounts/login/", username, PASSWORD)
    )
    assert status == 200  # followed to the chat page
    fields = {field: "wrong", "password1": "a-new-pass-phrase", "password2": "a-new-pass-phrase"}
    statuses = [browser.post_form(path, fields)[0] for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    status, page = browser.post_form(path, {**fields, field: PASSWORD})
    assert status == 429 and "Try again in 30 minutes" in page


def test_password_reset_requests_are_limited_per_address_and_per_email(two_servers):
    """Each request sends an email: allauth's own limits (5 a minute for one address typed,
    20 a minute from one client address) answer 429 past them."""
    one, _ = two_servers
    browser = Browser(one.url, client_ip="198.51.100.240")
    fields = {"email": "user0@example.com"}
    statuses = [browser.post_form("/accounts/password/reset/", fields)[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # 200: followed to "check your email"
    status, page = browser.post_form("/accounts/password/reset/", fields)
    assert status == 429 and "Too many" in page


ENTRY_POINTS = ["/api/token/", "/accounts/login/", "/admin/login/"]


def attempt(server, path, username, password, client_ip, source):
    """One login attempt at ``path``; returns the HTTP status."""
    if path == "/api/token/":
        body = {"username": username, "password": password}
        return post_token(server, body, client_ip=client_ip, source=source)[0]
    browser = Browser(server.url, client_ip=client_ip, source=source)
    return browser.post_form(path, login_fields(path, username, password))[0]


@pytest.mark.parametrize("path", ENTRY_POINTS)
def test_without_a_proxy_the_socket_address_is_counted_whatever_x_forwarded_for_says(
    direct_server, path
):
    index = ENTRY_POINTS.index(path)
    source = REMOTE_CLIENTS[index]
    statuses = [
        attempt(direct_server, path, f"direct{index}", "wrong", f"203.0.113.{i}", source)
        for i in range(40)
    ]
    wrong = 401 if path == "/api/token/" else 200
    assert statuses[: LIMIT - 1] == [wrong] * (LIMIT - 1)
    assert set(statuses[LIMIT - 1 :]) == {429}, statuses


TRUSTED_PROXY_COUNT = """
from django.conf import settings
print(settings.TRUSTED_PROXY_COUNT)
"""


def test_only_a_dyno_trusts_a_router_by_default(tmp_path):
    env = base_env(tmp_path)
    assert run_django(env, TRUSTED_PROXY_COUNT).split() == ["0"]
    assert run_django({**env, "DYNO": "web.1"}, TRUSTED_PROXY_COUNT).split() == ["1"]


def test_axes_reset_commands_unlock_on_redis(two_servers):
    one, _ = two_servers
    guesser, owner = "192.0.2.201", "192.0.2.202"
    for _ in range(LIMIT):
        post_token(one, {"username": "user7", "password": "x"}, client_ip=guesser)
    for index in range(ADDRESS_LIMIT):
        post_token(one, {"username": f"ghost{index}", "password": "x"}, client_ip=owner)
    assert post_token(one, {"username": "user7", "password": PASSWORD}, guesser)[0] == 429
    assert post_token(one, {"username": "user8", "password": PASSWORD}, owner)[0] == 429

    # One user, everywhere: their pair with the guesser goes; the owner's address stays locked.
    assert "attempts removed" in manage(one.env, "axes_reset_username", "user7").stdout
    assert post_token(one, {"username": "user7", "password": PASSWORD}, guesser)[0] == 200
    assert post_token(one, {"username": "user8", "password": PASSWORD}, owner)[0] == 429
    # One address.
    assert "attempts removed" in manage(one.env, "axes_reset_ip", owner).stdout
    assert post_token(one, {"username": "user8", "password": PASSWORD}, owner)[0] == 200
    # One pair: the account from that address only (a fresh one: the guesser's own address
    # is near its limit by now).
    pair_address = "192.0.2.203"
    for _ in range(LIMIT):
        post_token(one, {"username": "user10", "password": "x"}, client_ip=pair_address)
    assert post_token(one, {"username": "user10", "password": PASSWORD}, pair_address)[0] == 429
    reset = manage(one.env, "axes_reset_ip_username", pair_address, "user10")
    assert "attempts removed" in reset.stdout
    assert post_token(one, {"username": "user10", "password": PASSWORD}, pair_address)[0] == 200
    # Everything.
    for _ in range(LIMIT):
        post_token(one, {"username": "user9", "password": "x"}, client_ip=guesser)
    assert post_token(one, {"username": "user9", "password": PASSWORD}, guesser)[0] == 429
    assert "attempts removed" in manage(one.env, "axes_reset").stdout
    assert post_token(one, {"username": "user9", "password": PASSWORD}, guesser)[0] == 200
