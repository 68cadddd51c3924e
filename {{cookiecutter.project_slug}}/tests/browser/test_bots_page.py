"""Bots in a real Chromium: a bot's message, posted through the webhook, shows live with a
"BOT" tag beside its name (nobody else's is tagged), and a room's admins see its bots in the
room's details and revoke them there; other members see no such list."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.test_chat_page import make_room, message, open_room, seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def make_bot(server, room_id, name):
    """A bot in the room, made as the create_bot command makes one: (webhook path, token)."""
    output = seed(
        server,
        f"""
        from chat.models import Room
        made = services.create_bot(Room.objects.get(pk={room_id}), {name!r})
        print(made["url"], made["token"])
        """,
    )
    url, token = output.split()
    return url, token


def hook(url, token, text):
    """POST ``text`` to a bot's webhook at ``url`` over real HTTP; return the status."""
    assert url.startswith("http://127.0.0.1:"), url  # loopback only
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_bots_message_shows_live_with_a_bot_tag(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Deploys", ["bob"], messages=[("bob", "Ready?")])
    url, token = make_bot(chat_server, room_id, "deploybot")
    alice = pages.login("alice")
    open_room(alice, "Deploys")
    assert hook(f"{chat_server.url}{url}", token, "Deployed v2") == 201
    posted = message(alice, "Deployed v2")
    expect(posted.locator(".msg-sender")).to_have_text("deploybot bot")
    expect(posted.locator(".bot-tag")).to_be_visible()
    expect(posted.locator(".bot-tag")).to_have_css("text-transform", "uppercase")
    expect(message(alice, "Ready?").locator(".bot-tag")).to_have_count(0)
    assert_accessible(alice, "a bot's message", include="#messages .bot-tag")


def test_admins_see_the_rooms_bots_in_its_details_and_revoke_them(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Alerts", ["bob"])
    url, token = make_bot(chat_server, room_id, "pagerbot")
    bob = pages.login("bob")
    open_room(bob, "Alerts")
    bob.get_by_role("button", name="Details").click()
    members = bob.locator("#members-list")
    expect(members.locator(".member", has_text="pagerbot").locator(".bot-tag")).to_be_visible()
    expect(bob.locator("#bots-section")).to_be_hidden()  # Bob is no admin

    alice = pages.login("alice")
    open_room(alice, "Alerts")
    alice.get_by_role("button", name="Details").click()
    bots = alice.get_by_role("list", name="Bots")
    expect(bots).to_contain_text("pagerbot")
    expect(bots).to_contain_text("never posted")
    # The list of bots alone: the rest of the dialog is the members' (test_chat_page.py).
    assert_accessible(alice, "a room's bots in its details", include="#bots-section")
    bots.get_by_role("button", name="Revoke pagerbot's token").click()
    ask = alice.get_by_role("dialog", name="Revoke pagerbot's token?")
    ask.get_by_role("button", name="Revoke").click()
    expect(bots.locator(".tag", has_text="revoked")).to_be_visible()
    expect(alice.locator("#bots-heading")).to_be_focused()
    assert hook(f"{chat_server.url}{url}", token, "still there?") == 401
