"""Chromium pages for the browser tests: viewports, logins, and a watch on every console."""

import json
import re

PASSWORD = "pw-for-browser-tests"
USERS = ("alice", "bob", "carol")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A phone has a touch screen and no hover: the page shows message actions inline there.
MOBILE = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Console messages that mean the page broke the Content-Security-Policy.
CSP_VIOLATION = re.compile(r"Content[ -]Security[ -]Policy|Refused to (load|execute|apply)", re.I)


def frames_to_page(handle):
    """A ``socket_route`` for Pages.login: the page's frames reach the server unchanged, and
    each frame of the server's goes through ``handle(frame, send)``, which sends what the page
    gets (changed, held back, or as it came)."""

    def route(socket):
        server = socket.connect_to_server()
        socket.on_message(server.send)
        server.on_message(lambda frame: handle(frame, socket.send))

    return route


def rewrite_envelopes(change):
    """A ``socket_route`` that changes each of the server's envelopes with ``change(envelope)``
    (in place) before the page gets it."""

    def handle(frame, send):
        envelope = json.loads(frame)
        change(envelope)
        send(json.dumps(envelope))

    return frames_to_page(handle)


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
