"""A bot's message in a real Chromium: posted through the webhook, shown live with a "BOT"
tag beside the bot's name, and nobody else's name tagged."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

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


def test_a_bots_message_shows_live_with_a_bot_tag(pages, chat_server):
    room_id = make_room(chat_server, "alice", "Deploys", ["bob"], messages=[("bob", "Ready?")])
    url, token = make_bot(chat_server, room_id, "deploybot")
    alice = pages.login("alice")
    open_room(alice, "Deploys")
    request = urllib.request.Request(
        f"{chat_server.url}{url}",
        data=json.dumps({"text": "Deployed v2"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    posted = message(alice, "Deployed v2")
    expect(posted.locator(".msg-sender")).to_have_text("deploybot bot")
    expect(posted.locator(".bot-tag")).to_be_visible()
    expect(posted.locator(".bot-tag")).to_have_css("text-transform", "uppercase")
    expect(message(alice, "Ready?").locator(".bot-tag")).to_have_count(0)
