"""Formatted messages in a real Chromium: what one user writes shows formatted to the other,
and no vector of a cross-site-scripting corpus gets anything to run or load in the page.

The page shows the server's HTML (chat/formatting.py) and runs no renderer of its own; the
edit box starts from the source.
"""

import json
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect as ws_connect

from tests.browser.pages import PASSWORD, rewrite_envelopes
from tests.browser.test_chat_page import choose_action, make_room, open_room, send
from tests.clients import fetch_token

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

VECTORS = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.txt"
RATE_LIMITED = 4029

# Everything in the message list, checked in the page: event handler attributes anywhere,
# elements that run or load something inside message bodies, and the links' schemes.
INSPECT = """() => {
  const list = document.querySelector("#messages");
  const handlers = [...list.querySelectorAll("*")].flatMap((node) =>
    [...node.attributes].filter((a) => a.name.toLowerCase().startsWith("on"))
      .map((a) => `${node.tagName} ${a.name}`));
  const active = [...list.querySelectorAll(
    ".msg-body :is(script, iframe, img, svg, style, object, embed, link, meta, base, form)"
  )].map((node) => node.outerHTML);
  const hrefs = [...list.querySelectorAll(".msg-body [href], .msg-body [src]")].map(
    (node) => node.getAttribute("href") ?? node.getAttribute("src"));
  return {handlers, active, hrefs};
}"""


def send_all_over_one_socket(server, username, room_id, contents):
    """Send each content as a message through one API socket, waiting for each answer.

    The server limits a user's events per second: a send it refuses for that (4029) is sent
    again, with the same client_msg_id, once the socket's next answer says it may be.
    """
    token = fetch_token(server.url, username, PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    with ws_connect(server.ws_url, additional_headers=bearer, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=10))["event_type"] == "session.hello"
        for index, content in enumerate(contents):
            data = {"room_id": room_id, "content": content, "client_msg_id": uuid.uuid4().hex}
            while (reply := request(socket, f"x-{index}", data))["event_type"] == "error":
                assert reply["data"]["code"] == RATE_LIMITED, (content, reply)
                time.sleep(0.2)  # the bucket refills at the configured rate
            assert reply["data"]["message"]["content"] == content


def request(socket, request_id, data):
    frame = {"event_type": "message.send", "data": data, "request_id": request_id}
    socket.send(json.dumps(frame))
    while True:
        reply = json.loads(socket.recv(timeout=30))
        if reply.get("request_id") == request_id:
            return reply


def test_a_url_code_quote_and_lists_show_formatted_to_the_other_user(pages, chat_server, artifacts):
    make_room(chat_server, "alice", "Formatting", ["bob"])
    alice, bob = pages.login("alice"), pages.login("bob")
    open_room(alice, "Formatting")
    open_room(bob, "Formatting")
    listed = bob.locator("#messages .msg:not(.pending) .msg-body")

    send(alice, "the docs: https://example.com/docs?page=1")
    link = listed.locator('a[href="https://example.com/docs?page=1"]')
    expect(link).to_have_text("https://example.com/docs?page=1")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")

    long_line = "const answer = " + " + ".join(["1"] * 80) + ";"
    send(alice, f"```js\nif (a < b) {{\n  {long_line}\n}}\n```")
    code = listed.locator("pre > code")
    expect(code).to_contain_text("if (a < b) {")
    pre = listed.locator("pre")
    # The block keeps its lines and scrolls sideways, in a monospace font.
    assert pre.evaluate("node => getComputedStyle(node).overflowX") == "auto"
    assert pre.evaluate("node => node.scrollWidth > node.clientWidth")
    assert "monospace" in code.evaluate("node => getComputedStyle(node).fontFamily")

    send(alice, "> to be or not to be\n> that is the question")
    expect(listed.locator("blockquote")).to_contain_text("to be or not to be")
    send(alice, "- apples\n- pears")
    expect(listed.locator("ul > li")).to_have_text(["apples", "pears"])
    # The @name is not last: a name being typed opens suggestions, where Enter picks one.
    send(alice, "1. first\n2. second\n\n**done** ~~maybe~~ `x` @bob thanks")
    expect(listed.locator("ol > li")).to_have_text(["first", "second"])
    expect(listed.locator("strong")).to_have_text("done")
    expect(listed.locator("s")).to_have_text("maybe")
    expect(listed.locator("span.mention.mention-me")).to_have_text("@bob")
    send(alice, "@room standup in five")  # Alice made the room: she may call everyone
    expect(listed.locator("span.mention.mention-me")).to_have_text(["@bob", "@room"])

    # The edit box starts from what was typed; the edit shows formatted again.
    mine = alice.locator("#messages .msg:not(.pending)").filter(has=alice.locator("ul"))
    choose_action(mine, "Edit")
    expect(alice.locator("#composer-input")).to_have_value("- apples\n- pears")
    alice.locator("#composer-input").fill("- apples\n- pears\n- plums")
    alice.locator("#composer-input").press("Enter")
    expect(listed.locator("ul > li")).to_have_text(["apples", "pears", "plums"])

    # A right-to-left paragraph reads right to left, as a plain message does.
    send(alice, "**שלום** עולם\n\n- פריט")
    hebrew = listed.locator("p", has_text="שלום")
    expect(hebrew).to_be_visible()
    assert hebrew.evaluate("node => getComputedStyle(node).unicodeBidi") == "plaintext"
    assert (
        listed.locator("li", has_text="פריט").evaluate("node => getComputedStyle(node).unicodeBidi")
        == "plaintext"
    )

    # Dark mode keeps code blocks set apart from the bubble.
    bob.mouse.move(0, 0)
    bob.screenshot(path=artifacts / "formatting-light.png")
    light = pre.evaluate("node => getComputedStyle(node).backgroundColor")
    bob.emulate_media(color_scheme="dark")
    dark = pre.evaluate("node => getComputedStyle(node).backgroundColor")
    assert light != dark
    bubble = pre.evaluate("node => getComputedStyle(node.closest('.msg-bubble')).backgroundColor")
    assert dark != bubble
    bob.screenshot(path=artifacts / "formatting-dark.png")


def test_no_vector_of_an_xss_corpus_runs_or_loads_anything(pages, chat_server):
    vectors = [line for line in VECTORS.read_text().splitlines() if line]
    room_id = make_room(chat_server, "alice", "Vectors", ["bob"])
    bob = pages.login("bob")
    dialogs = []
    bob.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_room(bob, "Vectors")
    title = bob.title()

    send_all_over_one_socket(chat_server, "alice", room_id, vectors)
    shown = bob.locator("#messages .msg:not(.pending)")
    expect(shown).to_have_count(len(vectors), timeout=60_000)
    # Every message is shown formatted (the page's own check found nothing to refuse).
    expect(bob.locator("#messages .msg-body.formatted")).to_have_count(len(vectors))
    shown.last.scroll_into_view_if_needed()

    found = bob.evaluate(INSPECT)
    assert found["handlers"] == []
    assert found["active"] == []
    assert found["hrefs"], "the corpus has links that should stay links"
    assert all(href.split(":")[0].lower() in {"http", "https", "mailto"} for href in found["hrefs"])
    assert dialogs == []
    assert bob.evaluate("window.pwned") is None
    assert bob.title() == title


# No event handler attribute: Chromium checks one against the CSP as it parses it, even in an
# inert <template>, and reports it blocked on the console (which fails any browser test).
OFF_LIST = (
    '<p><a href="javascript:window.pwned=1">x</a></p><script>window.pwned=1</script>'
    '<iframe src="/"></iframe>'
)


def test_html_outside_the_allowlist_shows_as_the_source_text(pages, chat_server):
    """The page checks the server's HTML before showing it: with every message's html rewritten
    on the way to the page (as a fault of the server could send it), it shows the source."""
    make_room(chat_server, "alice", "Rewritten", ["bob"])
    rewritten = []

    def tamper(value):
        if isinstance(value, dict):
            if "html" in value and "content" in value and value["html"]:
                value["html"] = OFF_LIST + value["html"]
                rewritten.append(value["id"])
            for item in value.values():
                tamper(item)
        elif isinstance(value, list):
            for item in value:
                tamper(item)

    alice = pages.login("alice")
    bob = pages.login("bob", socket_route=rewrite_envelopes(tamper))
    open_room(alice, "Rewritten")
    open_room(bob, "Rewritten")
    send(alice, "**still** readable")
    body = bob.locator("#messages .msg:not(.pending) .msg-body")
    expect(body).to_have_text("**still** readable")
    assert rewritten, "no message passed through the route"
    assert body.locator("script, iframe, a, p, strong").count() == 0
    assert not body.evaluate("node => node.classList.contains('formatted')")
    assert bob.evaluate("window.pwned") is None
