"""The chat page in a real Chromium against a real Uvicorn, Redis channel layer included.

Users log in through the login form (later logins in the module reuse that session cookie),
and every page's console is watched: a Content-Security-Policy violation or an uncaught error
fails the test (see pages.py and conftest.py). Screenshots go to test-artifacts/.
"""

import contextlib
import json
import re
import subprocess
import sys
import textwrap
import uuid

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect as ws_connect

from tests.browser.a11y import settle
from tests.browser.pages import CSP_VIOLATION, DESKTOP, PASSWORD, PHONE, rewrite_envelopes
from tests.clients import fetch_token
from testservers.live import PROJECT, run_django

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# A reconnect waits up to 1 s, then 2 s, then 4 s (full jitter) while the server restarts.
RECONNECT_TIMEOUT = 20_000


# --- Helpers ------------------------------------------------------------------------------------


SEED_PRELUDE = """
from django.contrib.auth import get_user_model
from chat import services
from chat.models import Message
users = {user.username: user for user in get_user_model().objects.all()}
"""


def seed(server, code):
    """Run ``code`` in a separate process with the services at hand (``users`` by name)."""
    return run_django(server.env, SEED_PRELUDE + textwrap.dedent(code))


def make_room(
    server, creator, name, members, kind="group", is_public=False, posting_locked=False, messages=()
):
    """Create a room and post messages [(username, content)] in it, as another process would.

    The services publish their events on the server's Redis, so open pages see them live.
    Returns the room's id.
    """
    output = seed(
        server,
        f"""
        room = services.room_create(
            user=users[{creator!r}], kind={kind!r}, name={name!r}, members={list(members)!r},
            is_public={is_public!r}, posting_locked={posting_locked!r},
        )["room"]
        for username, content in {list(messages)!r}:
            services.message_send(user=users[username], room_id=room["id"], content=content)
        print(room["id"])
        """,
    )
    return int(output.split()[-1])


def post_messages(server, room_id, messages):
    """Post messages [(username, content)] in a room through the services, in order."""
    seed(
        server,
        f"""
        for username, content in {list(messages)!r}:
            services.message_send(user=users[username], room_id={room_id}, content=content)
        """,
    )


def update_room(page, room_id, **changes):
    """Change a room's settings from ``page``, over its socket (room.update; admins only)."""
    page.evaluate(
        """([roomId, changes]) =>
            window.chatClient.request("room.update", { room_id: roomId, ...changes })""",
        [room_id, changes],
    )


@contextlib.contextmanager
def poster(server):
    """A process with Django already set up that posts a message when told to.

    Used while the server is down, so the downtime is not stretched by Django's start-up.
    Yields ``post(username, room_id, content)``.
    """
    script = SEED_PRELUDE + textwrap.dedent(
        """
        import json, sys
        print("ready", flush=True)
        for line in sys.stdin:
            username, room_id, content = json.loads(line)
            services.message_send(user=users[username], room_id=room_id, content=content)
            print("posted", flush=True)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + script],
        cwd=PROJECT,
        env=server.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"

        def post(username, room_id, content):
            process.stdin.write(json.dumps([username, room_id, content]) + "\n")
            process.stdin.flush()
            assert process.stdout.readline().strip() == "posted"

        yield post
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def request_over_socket(server, username, event_type, data):
    """Make one request the way an API client does: a token, then its own WebSocket."""
    token = fetch_token(server.url, username, PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    with ws_connect(server.ws_url, additional_headers=bearer, open_timeout=10) as socket:
        hello = json.loads(socket.recv(timeout=10))
        assert hello["event_type"] == "session.hello"
        frame = {"event_type": event_type, "data": data, "request_id": "api-1"}
        socket.send(json.dumps(frame))
        while True:
            reply = json.loads(socket.recv(timeout=10))
            if reply.get("request_id") == "api-1":
                break
    assert reply["event_type"] == event_type, reply
    return reply["data"]


def send_over_socket(server, username, room_id, content):
    """Send a message the way an API client does."""
    data = {"room_id": room_id, "content": content, "client_msg_id": uuid.uuid4().hex}
    return request_over_socket(server, username, "message.send", data)["message"]


def room_button(page, name):
    return page.locator("#room-list .room-item", has_text=name)


def open_room(page, name):
    room_button(page, name).click()
    expect(page.locator("#room-title")).to_contain_text(name)
    expect(page.locator("#chat")).to_have_attribute("data-view", "room")


def bodies(page):
    """The text of every acknowledged message shown, in order."""
    return page.locator("#messages .msg:not(.pending) .msg-body")


def exactly(text):
    return re.compile(f"^{re.escape(text)}$")


def body(page, text):
    """The body of the acknowledged message whose whole text is ``text``."""
    return bodies(page).filter(has_text=exactly(text))


def message(page, text):
    """The message (list item, with its actions) whose body is ``text``."""
    return page.locator("#messages .msg:not(.pending)").filter(
        has=page.locator(".msg-body", has_text=exactly(text))
    )


def choose_action(item, action):
    """Choose ``action`` in the "More actions" menu of the message ``item`` (a locator): the
    button shows once the message has focus (a tap, a click, the keyboard) or the pointer."""
    item.focus()
    item.get_by_role("button", name="More actions").click()
    menu = item.page.get_by_role("menu", name="Message actions")
    menu.get_by_role("menuitem", name=action, exact=True).click()


def send(page, text):
    composer = page.locator("#composer-input")
    composer.fill(text)
    composer.press("Enter")


def shown_seqs(page):
    return page.locator("#messages .msg[data-seq]").evaluate_all(
        "items => items.map(item => Number(item.dataset.seq))"
    )


def assert_each_once(page, texts):
    for text in texts:
        expect(body(page, text)).to_have_count(1)
    seqs = shown_seqs(page)
    assert seqs == sorted(set(seqs)), seqs
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs


# --- Tests --------------------------------------------------------------------------------------


def test_two_users_chat_in_a_shared_room(pages):
    alice = pages.login("alice", form=True)
    bob = pages.login("bob", form=True)

    alice.get_by_role("button", name="New room").click()
    dialog = alice.get_by_role("dialog", name="New room")
    dialog.get_by_label("Name", exact=True).fill("Weekend plans")
    dialog.get_by_role("textbox", name="Members").fill("bob")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator("#room-title")).to_contain_text("Weekend plans")
    send(alice, "Hiking on Saturday?")
    expect(body(alice, "Hiking on Saturday?")).to_be_visible()

    # The room appears on Bob's page by itself, with the message counted as unread.
    expect(room_button(bob, "Weekend plans").locator(".unread-badge")).to_have_text("1")
    open_room(bob, "Weekend plans")
    expect(body(bob, "Hiking on Saturday?")).to_be_visible()
    expect(room_button(bob, "Weekend plans").locator(".unread-badge")).to_be_hidden()

    send(bob, "Count me in!")
    for page in (alice, bob):
        expect(bodies(page)).to_have_text(["Hiking on Saturday?", "Count me in!"])

    # Reply, react and edit show on the other side too.
    bob_message = message(alice, "Count me in!")
    choose_action(bob_message, "Reply")
    expect(alice.locator("#composer-context")).to_contain_text("Replying to bob")
    send(alice, "Great, 9 am at the station")
    reply = message(bob, "Great, 9 am at the station")
    expect(reply.locator(".msg-quote")).to_contain_text("Count me in!")

    choose_action(bob_message, "React")
    alice.get_by_role("option", name="party popper").click()
    expect(message(bob, "Count me in!").locator(".reaction")).to_have_text("🎉1")

    own = message(bob, "Count me in!")
    choose_action(own, "Edit")
    bob.locator("#composer-input").fill("Count me in! Bringing snacks.")
    bob.locator("#composer-input").press("Enter")
    expect(body(alice, "Count me in! Bringing snacks.")).to_be_visible()
    expect(message(alice, "Count me in! Bringing snacks.")).to_contain_text("edited")
    # The quote in the reply follows the edit.
    expect(reply.locator(".msg-quote")).to_contain_text("Bringing snacks")


def test_typing_and_presence_show_on_the_other_side(pages, chat_server):
    make_room(chat_server, "alice", "Design review", ["bob"])
    alice = pages.login("alice")
    open_room(alice, "Design review")
    expect(alice.locator("#presence")).to_have_text("No one else is online")

    bob = pages.login("bob")
    open_room(bob, "Design review")
    expect(alice.locator("#presence")).to_have_text("Online: bob")
    expect(bob.locator("#presence")).to_have_text("Online: alice")

    bob.locator("#composer-input").press_sequentially("I think the header", delay=20)
    expect(alice.locator("#typing")).to_have_text("bob is typing…")
    bob.locator("#composer-input").press("Enter")
    expect(body(alice, "I think the header")).to_be_visible()
    expect(alice.locator("#typing")).to_have_text("")

    # Bob leaves the page: Alice sees him go offline.
    bob.context.close()
    expect(alice.locator("#presence")).to_have_text("No one else is online")


def test_a_message_lost_on_the_way_is_fetched_when_the_next_one_shows_the_gap(pages, chat_server):
    """The server's frame carrying one message.new never reaches the page (as when the channel
    layer drops it); the next message's seq skips one, and the client fetches what it lacks."""
    dropped = []

    def drop_one_message(route):
        server = route.connect_to_server()
        route.on_message(server.send)

        def to_page(frame):
            if "Lost on the way" in frame and '"message.new"' in frame and not dropped:
                dropped.append(frame)
                return
            route.send(frame)

        server.on_message(to_page)

    room_id = make_room(chat_server, "bob", "Field notes", ["alice"])
    alice = pages.login("alice", socket_route=drop_one_message)
    open_room(alice, "Field notes")
    post_messages(chat_server, room_id, [("bob", "Lost on the way")])
    for _ in range(200):  # Playwright runs the route's handlers while the page waits
        if dropped:
            break
        alice.wait_for_timeout(50)
    assert dropped, "the frame never came"
    expect(body(alice, "Lost on the way")).to_have_count(0)
    post_messages(chat_server, room_id, [("bob", "Arrives fine")])
    expect(bodies(alice)).to_have_text(["Lost on the way", "Arrives fine"])
    assert_each_once(alice, ["Lost on the way", "Arrives fine"])


def test_history_scrolls_back_in_pages(pages, chat_server):
    entries = [("bob", f"Entry {n}") for n in range(1, 121)]
    room_id = make_room(chat_server, "alice", "Changelog", ["bob"], messages=entries)
    # Read to the end (a room with more unread than a page opens at the first unread).
    seed(
        chat_server,
        f"""
        from chat.models import Membership
        Membership.objects.filter(room_id={room_id}).update(last_read_seq=120)
        """,
    )
    alice = pages.login("alice")
    open_room(alice, "Changelog")
    expect(bodies(alice)).to_have_count(50)
    expect(bodies(alice).last).to_have_text("Entry 120")

    # Scrolling to the top loads older pages (before_seq) until the first message.
    for expected in (100, 120):
        alice.locator("#messages-scroll").evaluate("node => { node.scrollTop = 0; }")
        expect(bodies(alice)).to_have_count(expected)
    expect(bodies(alice).first).to_have_text("Entry 1")
    expect(alice.locator("#history-start")).to_be_visible()
    assert_each_once(alice, ["Entry 1", "Entry 60", "Entry 120"])


def test_screenshots_at_desktop_and_phone_width(pages, chat_server, artifacts):
    seed(
        chat_server,
        """
        launch = services.room_create(
            user=users["alice"], kind="group", name="Launch plan", members=["bob", "carol"]
        )["room"]["id"]
        for username, content in [
            ("carol", "Morning! The release notes draft is in the shared folder."),
            ("bob", "Thanks, reading it now."),
            ("bob", "The section on the new reactions could use a screenshot."),
            ("alice", "I'll add one this afternoon 👍"),
            ("carol", "Launch stays on Thursday, 10:00 UTC."),
        ]:
            services.message_send(user=users[username], room_id=launch, content=content)
        first = Message.objects.get(room_id=launch, seq=1)
        services.message_react(user=users["bob"], message_id=first.pk, emoji="🎉")
        services.message_react(user=users["alice"], message_id=first.pk, emoji="🎉")
        last = Message.objects.get(room_id=launch, seq=5)
        services.message_react(user=users["bob"], message_id=last.pk, emoji="👍")
        services.message_send(
            user=users["bob"], room_id=launch, content="Perfect, I'll tell support.",
            reply_to=last.pk,
        )
        direct = services.room_create(user=users["bob"], kind="direct", members=["alice"])
        for content in ["Lunch later?", "Noon works for me"]:
            services.message_send(user=users["bob"], room_id=direct["room"]["id"], content=content)
        """,
    )

    alice = pages.login("alice", viewport=DESKTOP)
    open_room(alice, "Launch plan")
    expect(bodies(alice).last).to_have_text("Perfect, I'll tell support.")
    bob = pages.login("bob", viewport=PHONE)
    expect(bob.locator("#chat")).to_have_attribute("data-view", "rooms")
    bob.screenshot(path=artifacts / "chat-phone-rooms.png")
    open_room(bob, "Launch plan")
    expect(bob.locator(".sidebar")).to_be_hidden()
    bob.locator("#composer-input").press_sequentially("Sounds good", delay=10)
    expect(alice.locator("#typing")).to_have_text("bob is typing…")
    expect(alice.locator("#presence")).to_contain_text("bob")
    alice.mouse.move(0, 0)
    bob.mouse.move(0, 0)
    alice.screenshot(path=artifacts / "chat-desktop.png")
    bob.screenshot(path=artifacts / "chat-phone.png")
    alice.emulate_media(color_scheme="dark")
    assert alice.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    # The colours change with a transition: the picture is taken once they have.
    settle(alice)
    alice.screenshot(path=artifacts / "chat-desktop-dark.png")

    # On a touch screen a message's menu button shows once it is tapped.
    launch = message(bob, "Launch stays on Thursday, 10:00 UTC.")
    expect(launch.get_by_role("button", name="More actions")).to_be_hidden()
    launch.locator(".msg-body").tap()
    expect(launch.get_by_role("button", name="More actions")).to_be_visible()

    # On a phone the back button returns to the room list.
    bob.get_by_role("button", name="Back to rooms").click()
    expect(bob.locator(".sidebar")).to_be_visible()
    expect(bob.locator(".conversation")).to_be_hidden()


def test_reconnects_after_a_server_restart_without_losing_or_repeating(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Release", ["bob", "carol"])
    alice = pages.login("alice")
    bob = pages.login("bob")
    for page in (alice, bob):
        open_room(page, "Release")
    send(alice, "Deploying now")
    for page in (alice, bob):
        expect(body(page, "Deploying now")).to_be_visible()

    with poster(chat_server) as post:
        chat_server.stop()
        # Carol's message is stored while the server is down (by another process): no page
        # is told about it.
        post("carol", room_id, "Sent while the server was down")
        for page in (alice, bob):
            expect(page.locator("#chat")).to_have_attribute("data-connection", "reconnecting")
            expect(page.locator("#connection")).to_be_visible()
        # Alice writes while offline: the message waits, pending, with its client_msg_id.
        send(alice, "Written while offline")
        expect(alice.locator("#messages .msg.pending")).to_have_count(1)
        chat_server.start()
    # And one more through the API the moment the server is back, likely before the pages.
    send_over_socket(chat_server, "carol", room_id, "Sent right after the restart")

    texts = [
        "Deploying now",
        "Written while offline",
        "Sent while the server was down",
        "Sent right after the restart",
    ]
    for page in (alice, bob):
        expect(page.locator("#chat")).to_have_attribute(
            "data-connection", "open", timeout=RECONNECT_TIMEOUT
        )
        for text in texts:
            expect(body(page, text)).to_have_count(1, timeout=RECONNECT_TIMEOUT)
        expect(page.locator("#messages .msg.pending")).to_have_count(0)
        assert_each_once(page, texts)

    # The live connection works as before.
    send(bob, "Back to normal")
    expect(body(alice, "Back to normal")).to_have_count(1)
    assert_each_once(alice, [*texts, "Back to normal"])


def test_removed_member_stops_seeing_the_room(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Project Falcon", ["bob"])
    alice = pages.login("alice")
    bob = pages.login("bob")
    open_room(alice, "Project Falcon")
    open_room(bob, "Project Falcon")
    send(alice, "Kick-off notes are up")
    expect(body(bob, "Kick-off notes are up")).to_be_visible()

    # Alice, the room's admin, removes Bob through the details dialog.
    alice.get_by_role("button", name="Details").click()
    dialog = alice.get_by_role("dialog", name="Project Falcon")
    dialog.get_by_role("button", name="Remove bob").click()
    expect(dialog.get_by_role("button", name="Remove bob")).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()

    expect(room_button(bob, "Project Falcon")).to_have_count(0)
    expect(bob.locator("#notice")).to_have_text("You were removed from Project Falcon.")
    expect(bob.locator("#room-pane")).to_be_hidden()

    send(alice, "Budget numbers for the remaining team")
    expect(body(alice, "Budget numbers for the remaining team")).to_be_visible()
    # Once Alice's page has it, Bob's would have had it too; give it a moment anyway.
    bob.wait_for_timeout(300)
    expect(bob.get_by_text("Budget numbers")).to_have_count(0)
    expect(room_button(bob, "Project Falcon")).to_have_count(0)
    assert bob.evaluate(f"window.chatClient.cursor({room_id})") is None


def test_user_content_is_rendered_as_text(pages, chat_server):
    hostile_name = "<b>Ops</b> & <i>co</i>"
    make_room(chat_server, "alice", hostile_name, ["bob"])
    payload = "<img src=x onerror=\"document.title='pwned'\"> <script>window.pwned=1</script>"
    alice = pages.login("alice")
    bob = pages.login("bob")
    open_room(alice, hostile_name)
    open_room(bob, hostile_name)

    send(alice, payload)
    expect(body(bob, payload)).to_be_visible()
    hostile = message(bob, payload)
    choose_action(hostile, "Reply")
    send(bob, "<svg onload=alert(1)>")
    expect(body(alice, "<svg onload=alert(1)>")).to_be_visible()

    for page in (alice, bob):
        expect(room_button(page, hostile_name).locator(".room-name")).to_have_text(hostile_name)
        expect(page.locator("#room-title")).to_contain_text(hostile_name)
        expect(body(page, payload)).to_have_count(1)
        expect(page.locator(".msg-quote-text")).to_have_text(payload)
        assert page.locator("#chat img, #chat script, #chat svg, #chat b, #chat i").count() == 0
        assert page.evaluate("window.pwned") is None
        assert "pwned" not in page.title()


def test_dialogs_channels_and_direct_rooms_work_under_the_csp(pages, chat_server):
    make_room(
        chat_server,
        "carol",
        "announcements",
        [],
        kind="channel",
        is_public=True,
        messages=[("carol", "Welcome to the announcements channel")],
    )
    alice = pages.login("alice")
    response = alice.request.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    # Discover and join a public channel; only its admins may post there.
    alice.get_by_role("button", name="Browse channels").click()
    dialog = alice.get_by_role("dialog", name="Public channels")
    dialog.get_by_role("button", name="Join announcements").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator("#room-title")).to_contain_text("announcements")
    expect(body(alice, "Welcome to the announcements channel")).to_be_visible()
    expect(alice.locator("#composer-input")).to_be_disabled()

    # A direct room, opened by username.
    alice.get_by_role("button", name="Direct message").click()
    dialog = alice.get_by_role("dialog", name="Direct message")
    dialog.get_by_label("Username").fill("nobody-by-that-name")
    dialog.get_by_role("button", name="Open conversation").click()
    expect(dialog.locator(".form-error")).to_contain_text("nobody-by-that-name")
    dialog.get_by_label("Username").fill("carol")
    dialog.get_by_role("button", name="Open conversation").click()
    expect(alice.locator("#room-title")).to_have_text("@ carol")
    send(alice, "Hi Carol, quick question")
    expect(body(alice, "Hi Carol, quick question")).to_be_visible()

    alice.get_by_role("button", name="Details").click()
    expect(alice.get_by_role("dialog", name="carol")).to_contain_text("Direct conversation")
    alice.keyboard.press("Escape")

    # The console listener does catch violations: an inline script is refused and reported.
    probe = pages.open("probe")
    probe.goto("/accounts/login/")
    probe.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.append(script);
        }"""
    )
    probe.wait_for_timeout(200)
    assert probe.evaluate("window.inlineRan") is None
    caught = [entry for entry in pages.console if entry[0] == "probe"]
    assert any(CSP_VIOLATION.search(text) for _, _, text in caught), caught
    pages.console = [entry for entry in pages.console if entry[0] != "probe"]
    assert pages.csp_violations() == []


def test_muting_a_room_hides_its_unread_badge_on_every_device(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Noisy Room", ["bob"])
    bob = pages.login("bob")
    bob_laptop = pages.login("bob")
    expect(room_button(bob_laptop, "Noisy Room")).to_be_visible()
    open_room(bob, "Noisy Room")
    bob.get_by_role("button", name="Details").click()
    dialog = bob.get_by_role("dialog", name="Noisy Room")
    dialog.get_by_role("button", name="Mute", exact=True).click()
    expect(dialog.get_by_role("button", name="Unmute")).to_be_visible()
    # The device that muted closes: open on the room, it would read what comes next and take
    # the laptop's unread count to 0 however fast the unmute below is.
    bob.close()

    send_over_socket(chat_server, "alice", room_id, "Does anyone read this?")
    # The laptop is not looking at the room: unmuted, its badge would show 1.
    bob_laptop.wait_for_function(f"window.chatClient.cursor({room_id})?.seq === 1")
    badge = room_button(bob_laptop, "Noisy Room").locator(".unread-badge")
    expect(badge).to_be_hidden()
    # Unmuting on another device (a program's socket here) brings the badge back.
    request_over_socket(chat_server, "bob", "room.mute", {"room_id": room_id, "muted": False})
    expect(badge).to_have_text("1")


def test_a_member_of_a_posting_locked_group_may_post_once_an_admin_unlocks_it(pages, chat_server):
    room_id = make_room(
        chat_server,
        "alice",
        "Release Crew",
        ["bob"],
        posting_locked=True,
        messages=[("alice", "Code freeze until the release is out")],
    )
    alice = pages.login("alice")
    bob = pages.login("bob")
    open_room(alice, "Release Crew")
    open_room(bob, "Release Crew")
    composer = bob.locator("#composer-input")
    expect(body(bob, "Code freeze until the release is out")).to_be_visible()
    expect(composer).to_be_disabled()
    expect(bob.locator("#send-button")).to_be_disabled()
    expect(composer).to_have_attribute("placeholder", "Only admins can post in this group")
    expect(alice.locator("#composer-input")).to_be_enabled()

    # Alice, the group's admin, unlocks it; Bob's page learns it from room.updated, no reload.
    update_room(alice, room_id, posting_locked=False)
    expect(composer).to_be_enabled()
    expect(bob.locator("#send-button")).to_be_enabled()
    expect(composer).to_have_attribute("placeholder", "Message Release Crew")
    send(bob, "Release notes are ready")
    expect(body(alice, "Release notes are ready")).to_be_visible()

    # Locked again, the composer closes again.
    update_room(alice, room_id, posting_locked=True)
    expect(composer).to_be_disabled()
    expect(alice.locator("#composer-input")).to_be_enabled()


def test_the_page_takes_who_may_post_from_post_roles(pages, chat_server):
    """The server's answer (post_roles) decides, not a copy of its rule on the page: with
    every room payload rewritten to let members post, a locked group's composer is open."""
    room_id = make_room(chat_server, "alice", "Locked Notes", ["bob"], posting_locked=True)
    rewritten = []

    def let_members_post(value):
        if isinstance(value, dict):
            if value.get("id") == room_id and "post_roles" in value:
                assert value["posting_locked"] is True
                value["post_roles"] = ["admin", "member"]
                rewritten.append(value)
            for item in value.values():
                let_members_post(item)
        elif isinstance(value, list):
            for item in value:
                let_members_post(item)

    bob = pages.login("bob", socket_route=rewrite_envelopes(let_members_post))
    open_room(bob, "Locked Notes")
    expect(bob.locator("#composer-input")).to_be_enabled()
    assert rewritten, "no room payload passed through the route"


def test_the_client_trades_an_api_token_for_a_single_use_ticket(pages, chat_server):
    """client.js with a token function, in a real browser: its socket URL carries a ticket,
    never the token, and the ticket it used opens nothing afterwards."""
    page = pages.login("alice")
    result = page.evaluate(
        """async ([password]) => {
          const { ChatClient } = await import("/static/chat/client.js");
          const answer = await fetch("/api/token/", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ username: "bob", password }),
          });
          const { token } = await answer.json();
          const urls = [];
          class Recording extends WebSocket {
            constructor(url, ...rest) { super(url, ...rest); urls.push(url); }
          }
          const url = `ws://${location.host}/ws/chat/`;
          const client = new ChatClient({ url, token: () => token, WebSocket: Recording });
          const hello = await new Promise((resolve) =>
            client.addEventListener("open", ({ detail }) => resolve(detail.hello), { once: true }),
          );
          client.close();
          const replay = new WebSocket(urls[0]);
          const code = await new Promise((resolve) => { replay.onclose = (e) => resolve(e.code); });
          return { username: hello.user.username, urls, token, code };
        }""",
        [PASSWORD],
    )
    assert result["username"] == "bob"
    (url,) = result["urls"]
    assert "?ticket=" in url and result["token"] not in url
    assert result["code"] == 4001
