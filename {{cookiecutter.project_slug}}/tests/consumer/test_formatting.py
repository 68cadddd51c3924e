"""Formatted messages through a real socket: every payload carries the source and its HTML."""

import pytest

from chat.models import Message
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]

LINK = 'target="_blank" rel="noopener noreferrer nofollow"'


async def group(client, name, *members):
    data = await client.ok("room.create", {"kind": "group", "name": name, "members": members})
    return data["room"]["id"]


async def test_send_returns_and_broadcasts_the_html_beside_the_source(connect, alice, bob, carol):
    a, b = await connect(alice), await connect(bob)
    room = await group(a, "Team", "bob")
    await b.expect("room.created")
    source = "**hi** @Bob and @carol, see https://example.com/a\n<b>not bold</b>"
    sent = (await a.ok("message.send", {"room_id": room, "content": source}))["message"]
    assert sent["content"] == source
    assert sent["html"] == (
        f'<p><strong>hi</strong> <span class="mention" data-user-id="{bob.pk}">@Bob</span>'
        f' and @carol, see <a href="https://example.com/a" {LINK}>https://example.com/a</a>'
        "<br>\n&lt;b&gt;not bold&lt;/b&gt;</p>"
    )
    assert (await b.expect("message.new"))["message"] == sent
    history = (await b.ok("room.messages", {"room_id": room}))["messages"]
    assert history[0]["html"] == sent["html"]


async def test_an_edit_renders_again_and_keeps_the_source_as_typed(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await group(a, "Team", "bob")
    await b.expect("room.created")
    sent = (await a.ok("message.send", {"room_id": room, "content": "draft"}))["message"]
    source = "> quoted\n\n- `one`\n- ~~two~~\n\n```\ncode <here>\n```"
    edit = {"message_id": sent["id"], "content": source}
    edited = (await a.ok("message.edit", edit))["message"]
    assert edited["content"] == source
    assert edited["html"] == (
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        "<ul>\n<li><code>one</code></li>\n<li><s>two</s></li>\n</ul>\n"
        "<pre><code>code &lt;here&gt;\n</code></pre>"
    )
    assert (await b.expect("message.edited"))["message"] == edited
    stored = await call(Message.objects.get, pk=sent["id"])
    assert (stored.content, stored.content_html) == (source, edited["html"])


async def test_a_forwarded_copy_mentions_the_members_of_its_own_room(connect, alice, bob, carol):
    a, c = await connect(alice), await connect(carol)
    origin = await group(a, "Origin", "bob")
    destination = await group(a, "Destination", "carol")
    await c.expect("room.created", where=lambda d: d["room"]["id"] == destination)
    sent = (await a.ok("message.send", {"room_id": origin, "content": "ask @carol"}))["message"]
    assert sent["html"] == "<p>ask @carol</p>"  # Carol is not in the origin
    data = {"message_id": sent["id"], "room_id": destination}
    copy = (await a.ok("message.forward", data))["message"]
    mention = f'<span class="mention" data-user-id="{carol.pk}">@carol</span>'
    assert copy["html"] == f"<p>ask {mention}</p>"
    assert (await c.expect("message.new"))["message"]["html"] == copy["html"]


async def test_a_deleted_message_shows_no_html(connect, alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "HARD_DELETE": True}
    a = await connect(alice)
    room = await group(a, "Team", "bob")
    sent = (await a.ok("message.send", {"room_id": room, "content": "**oops**"}))["message"]
    deleted = (await a.ok("message.delete", {"message_id": sent["id"]}))["message"]
    assert (deleted["content"], deleted["html"]) == ("", "")
    stored = await call(Message.objects.get, pk=sent["id"])
    assert (stored.content, stored.content_html) == ("", "")


async def test_room_is_marked_only_where_it_calls_everyone(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await group(a, "Team", "bob")  # Alice created it: its admin
    await b.expect("room.created")
    admins = await a.ok("message.send", {"room_id": room, "content": "@room standup"})
    assert admins["message"]["html"] == '<p><span class="mention">@room</span> standup</p>'
    members = await b.ok("message.send", {"room_id": room, "content": "@room lunch?"})
    assert members["message"]["html"] == "<p>@room lunch?</p>"
    edit = {"message_id": members["message"]["id"], "content": "@room lunch? @alice"}
    edited = (await b.ok("message.edit", edit))["message"]
    mention = f'<span class="mention" data-user-id="{alice.pk}">@alice</span>'
    assert edited["html"] == f"<p>@room lunch? {mention}</p>"
