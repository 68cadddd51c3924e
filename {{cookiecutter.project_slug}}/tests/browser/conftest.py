"""Fixtures for the browser tests: a real Uvicorn on a real Redis, and a real Chromium.

The server runs the production settings (DEBUG off, hashed and compressed static files,
the strict Content-Security-Policy, the Redis pub/sub channel layer) with two changes:
STATIC_ROOT is the test's temporary folder, so collectstatic never writes into the project,
and passwords use a fast hasher, so logging in through the form takes milliseconds.

Chromium is Debian's (/usr/bin/chromium, package `chromium`), driven by Playwright's sync API.
Like the other services, a missing Chromium skips these tests, or fails them with
CHAT_REQUIRE_SERVICES=1.
"""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import start_service
from testservers.live import LiveServer, base_env, create_users
from testservers.processes import MissingService

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
PASSWORD = "pw-for-browser-tests"
USERS = ("alice", "bob", "carol")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A phone has a touch screen and no hover: the page shows message actions inline there.
MOBILE = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Console messages that mean the page broke the Content-Security-Policy.
CSP_VIOLATION = re.compile(r"Content[ -]Security[ -]Policy|Refused to (load|execute|apply)", re.I)

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
def chat_server(tmp_path_factory, redis_server):
    """The project served by Uvicorn with the Redis channel layer; users alice, bob, carol."""
    workdir = tmp_path_factory.mktemp("browser-server")
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
        PYTHONPATH=os.pathsep.join([str(workdir), str(PROJECT)]),
    )
    # collectstatic runs while LiveServer migrates. The admin's files are not on the chat
    # pages; leaving them out saves seconds.
    collectstatic = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--ignore", "admin"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = LiveServer(workdir, env)
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


class Pages:
    """Open pages in fresh browser contexts and watch every one's console.

    Each user gets a context of their own (separate cookies). Console errors about the
    Content-Security-Policy and uncaught page errors are collected; the fixture fails the test
    if any was seen.
    """

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.contexts = []
        self.console = []  # (page label, type, text)
        self.page_errors = []

    def open(self, label, viewport=DESKTOP, storage_state=None):
        context = self.browser.new_context(
            viewport=viewport,
            base_url=self.server.url,
            storage_state=storage_state,
            **(MOBILE if viewport["width"] < 600 else {}),
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self.console.append((label, msg.type, msg.text)))
        page.on("pageerror", lambda error: self.page_errors.append((label, str(error))))
        return page

    def login(self, username, viewport=DESKTOP, form=False, socket_route=None):
        """Return a chat page of ``username`` once its socket is open.

        A user's first login in the module goes through the login form; later ones reuse
        that session cookie (in a new context), which saves two page loads. ``form`` forces
        the form. ``socket_route`` handles the page's chat WebSocket (page.route_web_socket).
        """
        from playwright.sync_api import expect

        saved = None if form else self.server.sessions.get(username)
        page = self.open(username, viewport, storage_state=saved)
        if socket_route is not None:
            page.route_web_socket(re.compile(r"/ws/chat/"), socket_route)
        page.goto("/")
        if saved is None:
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
        expect(page.locator("#chat")).to_have_attribute("data-connection", "open")
        self.server.sessions[username] = page.context.storage_state()
        return page

    def csp_violations(self):
        return [entry for entry in self.console if CSP_VIOLATION.search(entry[2])]

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, chat_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    opened = Pages(browser, chat_server)
    yield opened
    opened.close()
    assert not opened.csp_violations(), opened.csp_violations()
    assert not opened.page_errors, opened.page_errors
