"""Fixtures for the browser tests: a real Uvicorn on a real Redis, and a real Chromium.

The server runs the production settings (DEBUG off, hashed and compressed static files,
the strict Content-Security-Policy, the Redis pub/sub channel layer) with two changes:
STATIC_ROOT is the test's temporary folder, so collectstatic never writes into the project,
and passwords use a fast hasher, so logging in through the form takes milliseconds.

Chromium is Debian's (/usr/bin/chromium, package `chromium`), driven by Playwright's sync API.
Like the other services, a missing Chromium skips these tests, or fails them with
CHAT_REQUIRE_SERVICES=1.
"""

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.browser.pages import PASSWORD, USERS, Pages
from tests.helpers import start_service
from testservers.live import LiveServer, base_env, create_users
from testservers.processes import MissingService
from testservers.s3 import S3Server
from testservers.smtp import SMTPServer

CHROMIUM = Path(os.environ.get("CHAT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"

SETTINGS_MODULE = '''\
"""The production settings, with static files collected into the test's folder."""

from config.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
# Logging in hashes the password; the production hasher takes a second per login.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
'''


def _require_chromium():
    if not CHROMIUM.exists():
        raise MissingService(f"{CHROMIUM} not found; install the Debian package 'chromium'")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium_path():
    return start_service(_require_chromium)


@pytest.fixture(scope="module")
def browser(chromium_path):
    # Module scope: Playwright's sync API runs an event loop of its own, which must be gone
    # before the suite's asyncio tests run.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chat_server(request, tmp_path_factory, redis_server):
    """The project served by Uvicorn with the Redis channel layer; users alice, bob, carol.

    A test module that drives the Django admin sets ``ADMIN_STATIC = True``: the admin's
    static files are then collected too. One that sets ``STORAGE = "s3"`` gets attachments
    stored in an S3-compatible server on loopback (testservers/s3.py) instead of on disk.
    One that sets ``SERVER_ENV`` (a dict) runs the server with those variables too, and one
    that sets ``SERVER_PORT`` on that port (a single sign-on provider's redirect URI names it).
    One that sets ``SMTP = True`` has the server send its email to an SMTP server on loopback
    (testservers/smtp.py), which the test reads as ``chat_server.smtp``.
    """
    workdir = tmp_path_factory.mktemp("browser-server")
    with contextlib.ExitStack() as stack:
        storage, s3, smtp = getattr(request.module, "STORAGE", "local"), None, None
        if storage == "s3":
            s3 = stack.enter_context(start_service(lambda: S3Server(workdir / "s3")))
        if getattr(request.module, "SMTP", False):
            smtp = stack.enter_context(start_service(lambda: SMTPServer(workdir / "smtp")))
        services_env = {**(s3.env() if s3 else {}), **(smtp.env() if smtp else {})}
        server = stack.enter_context(_chat_server(request, workdir, redis_server, services_env))
        server.storage, server.s3, server.smtp = storage, s3, smtp
        yield server


@contextlib.contextmanager
def _chat_server(request, workdir, redis_server, services_env):
    (workdir / "browser_settings.py").write_text(
        SETTINGS_MODULE.format(static_root=str(workdir / "static"))
    )
    env = base_env(
        workdir,
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"b{uuid.uuid4().hex[:8]}",
        DJANGO_SETTINGS_MODULE="browser_settings",
        SITE_NAME="Team Chat",
        # Offline shows a second after the last tab closes, not after the default 15 s.
        CHAT_PRESENCE_GRACE=1,
        # A module that tests the default rooms names them; the others' users start in none.
        CHAT_DEFAULT_ROOMS=getattr(request.module, "DEFAULT_ROOMS", ""),
        PYTHONPATH=os.pathsep.join([str(workdir), str(PROJECT)]),
        **services_env,
        **getattr(request.module, "SERVER_ENV", {}),
    )
    # collectstatic runs while LiveServer migrates. The admin's files are not on the chat
    # pages; leaving them out saves seconds.
    ignore = [] if getattr(request.module, "ADMIN_STATIC", False) else ["--ignore", "admin"]
    collectstatic = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input", *ignore],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = LiveServer(workdir, env, port=getattr(request.module, "SERVER_PORT", None))
    create_users(env, *USERS, password=PASSWORD)
    _, errors = collectstatic.communicate(timeout=120)
    assert collectstatic.returncode == 0, errors
    server.sessions = {}  # username -> Playwright storage state after a form login
    with server:
        yield server


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def pages(browser, chat_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    opened = Pages(browser, chat_server)
    yield opened
    opened.close()
    assert not opened.csp_violations(), opened.csp_violations()
    assert not opened.page_errors, opened.page_errors
