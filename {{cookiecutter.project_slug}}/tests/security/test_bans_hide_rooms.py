"""A ban from a public channel hides it from the banned user, for every read.

Anyone signed in reads a public channel without joining it, so leaving the membership
behind is not enough: history, details, search, files and forwarding all ask the one rule
(chat.permissions.may_read), through a real socket and a real HTTP fetch.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chat import services
from chat.models import Message
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]


def upload(user, room_id):
    file = SimpleUploadedFile("notes.txt", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    return services.attachment_upload(user=user, room_id=room_id, upload=file)["attachment"]


def fetch_status(user, attachment_id):
    client = Client()
    client.force_login(user)
    return client.get(reverse("chat:attachment", args=[attachment_id])).status_code


@pytest.fixture
async def banned_from_news(connect, alice, bob):
    """alice's public channel "News", bob banned from it; (alice's socket, bob's, room, ids)."""
    a, b = await connect(alice), await connect(bob)
    room = (
        await a.ok(
            "room.create",
            {"kind": "channel", "name": "News", "members": ["bob"], "is_public": True},
        )
    )["room"]
    await b.expect("room.created")
    before = await a.ok("message.send", {"room_id": room["id"], "content": "before the ban"})
    await a.ok("room.ban", {"room_id": room["id"], "username": "bob", "reason": "spam"})
    await b.expect("room.removed")
    file_id = (await call(upload, user=alice, room_id=room["id"]))["id"]
    after = await a.ok(
        "message.send",
        {"room_id": room["id"], "content": "after the ban", "attachments": [file_id]},
    )
    ids = {"before": before["message"]["id"], "after": after["message"]["id"], "file": file_id}
    return a, b, room, ids


async def test_the_banned_user_reads_no_history_nor_details(banned_from_news, carol, connect):
    _, b, room, _ = banned_from_news
    for event_type in ("room.messages", "room.info"):
        refused = await b.request(event_type, {"room_id": room["id"]})
        assert refused["data"]["code"] == 4040, event_type
    page = await b.request("room.messages", {"room_id": room["id"], "after_seq": 1})
    assert page["data"]["code"] == 4040
    # Anyone else signed in still reads the public channel without joining it.
    c = await connect(carol)
    history = await c.ok("room.messages", {"room_id": room["id"]})
    assert [m["content"] for m in history["messages"]] == ["before the ban", "after the ban"]
    await b.ok("session.heartbeat")


async def test_the_banned_user_finds_and_fetches_nothing_of_the_room(banned_from_news, bob):
    _, b, room, ids = banned_from_news
    found = await b.ok("message.search", {"query": "ban"})
    assert found["results"] == []
    refused = await b.request("message.search", {"query": "ban", "room_id": room["id"]})
    assert refused["data"]["code"] == 4040
    assert await call(fetch_status, user=bob, attachment_id=ids["file"]) == 404


async def test_the_banned_user_forwards_nothing_out_of_the_room(banned_from_news, bob):
    a, b, room, ids = banned_from_news
    mine = (await b.ok("room.create", {"kind": "direct", "members": ["alice"]}))["room"]
    for key in ("before", "after"):
        refused = await b.request(
            "message.forward", {"message_id": ids[key], "room_id": mine["id"]}
        )
        assert refused["data"]["code"] == 4041, key
    assert not await call(Message.objects.filter(room_id=mine["id"]).exists)


async def test_lifting_the_ban_opens_the_channel_again(banned_from_news, bob):
    a, b, room, ids = banned_from_news
    await a.ok("room.unban", {"room_id": room["id"], "username": "bob"})
    history = await b.ok("room.messages", {"room_id": room["id"]})
    assert [m["content"] for m in history["messages"]] == ["before the ban", "after the ban"]
    assert (await b.ok("room.info", {"room_id": room["id"]}))["room"]["id"] == room["id"]
    assert await call(fetch_status, user=bob, attachment_id=ids["file"]) == 200
