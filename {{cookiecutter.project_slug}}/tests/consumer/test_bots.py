"""Bots through a real socket: made, listed and revoked by a room's admins (bot.create,
bot.list, bot.revoke), and their webhook's message reaching the room (Django's test client
posts it; tests/integration/test_webhooks.py posts to a running server)."""

import hashlib
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from chat import bots, exceptions, services
from chat.auth import token_issue
from chat.models import Bot, Membership, Message
from tests.clients import connect_communicator
from tests.domain import group
from tests.helpers import call
from tests.rooms import room_with

pytestmark = [pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r"^chb_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


def post_hook(url, token, body):
    response = Client().post(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    return response.status_code, response.json()


async def test_an_admin_makes_a_bot_whose_token_is_shown_once_and_stored_hashed(
    connect, alice, bob
):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "builds"})
    prefix = TOKEN.fullmatch(made["token"]).group(1)
    assert made["url"] == f"/hooks/{made['bot']['id']}"
    bot = made["bot"]
    assert bot["user"] == {"id": bot["user"]["id"], "username": "builds", "is_bot": True}
    assert (bot["room_id"], bot["token_prefix"], bot["revoked"]) == (room["id"], prefix, False)
    assert bot["created_by"] == {"id": alice.pk, "username": "alice"}
    # The room hears a new member, marked as a bot.
    added = await b.expect("room.members_added", where=lambda d: len(d["members"]) == 1)
    assert added["members"] == [{**bot["user"], "role": "member"}]
    stored = await call(Bot.objects.select_related("user").get, pk=bot["id"])
    assert stored.token_hash == hashlib.sha256(made["token"].encode()).hexdigest()
    assert made["token"] not in str(await call(lambda: list(Bot.objects.values())))
    assert not stored.user.has_usable_password()
    # Never again: the list shows the prefix only.
    listed = await a.ok("bot.list", {"room_id": room["id"]})
    assert listed == {"room_id": room["id"], "bots": [bot]}
    assert made["token"] not in json.dumps(listed)


async def test_only_admins_make_list_and_revoke_bots(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    for event_type, data in [
        ("bot.create", {"room_id": room["id"], "name": "sneaky"}),
        ("bot.list", {"room_id": room["id"]}),
    ]:
        refused = await b.request(event_type, data)
        assert refused["data"]["code"] == 4030, event_type
    bot = (await a.ok("bot.create", {"room_id": room["id"], "name": "builds"}))["bot"]
    assert (await b.request("bot.revoke", {"bot_id": bot["id"]}))["data"]["code"] == 4030
    assert (await b.request("bot.revoke", {"bot_id": bot["id"] + 1}))["data"]["code"] == 4040
    assert await call(Bot.objects.count) == 1
    assert not await call(get_user_model().objects.filter(username="sneaky").exists)
    direct = await room_with(a, b, kind="direct")
    refused = await a.request("bot.create", {"room_id": direct["id"], "name": "directbot"})
    assert refused["data"]["code"] == 4030
    await a.ok("session.heartbeat")


async def test_a_bot_name_follows_the_username_rules(connect, alice, bob):
    a = await connect(alice)
    room = await room_with(a, members=["bob"])
    for name in ["Bob", "no spaces", "раураl"]:
        refused = await a.request("bot.create", {"room_id": room["id"], "name": name})
        assert refused["data"]["code"] == 4004, name
    assert await call(get_user_model().objects.count) == 2
    assert await call(Membership.objects.filter(room_id=room["id"]).count) == 2


async def test_a_webhook_message_reaches_the_room_and_its_mentions_notify(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "builds"})
    status, body = await call(
        post_hook, url=made["url"], token=made["token"], body={"text": "@bob **build** failed"}
    )
    assert status == 201
    new = await b.expect("message.new")
    assert new["message"] == body["message"]
    assert new["message"]["sender"] == made["bot"]["user"]
    assert "<strong>build</strong>" in new["message"]["html"]
    notified = await b.expect("notification.new")
    assert notified["notification"]["message"]["id"] == body["message"]["id"]
    history = await a.ok("room.messages", {"room_id": room["id"]})
    assert history["messages"][-1]["sender"]["is_bot"] is True
    listed = await a.ok("bot.list", {"room_id": room["id"]})
    assert listed["bots"][0]["last_used_at"] is not None


async def test_markdown_false_shows_the_text_as_typed(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "builds"})
    text = "**not bold** _x_ `y` <b>z</b> &amp; 1. one\n- two\n> three @bob https://e.org/a_b"
    body = {"text": text, "markdown": False}
    status, sent = await call(post_hook, url=made["url"], token=made["token"], body=body)
    assert status == 201
    html = sent["message"]["html"]
    assert "<strong>" not in html and "<em>" not in html and "<code>" not in html
    assert "<ul>" not in html and "<ol>" not in html and "<blockquote>" not in html
    assert '<a href="https://e.org/a_b"' in html
    assert f'data-user-id="{bob.pk}"' in html
    await b.expect("notification.new")


async def test_a_revoked_bot_posts_nothing(connect, alice, bob):
    a = await connect(alice)
    room = await room_with(a, members=["bob"])
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "builds"})
    revoked = await a.ok("bot.revoke", {"bot_id": made["bot"]["id"]})
    assert revoked["bot"]["revoked"] is True
    status, body = await call(post_hook, url=made["url"], token=made["token"], body={"text": "x"})
    assert (status, body["error"]) == (401, "token_revoked")
    assert not await call(Message.objects.exists)


def admin_client():
    moderator = get_user_model().objects.create_superuser("moderator", "m@example.com", "pw")
    client = Client()
    client.force_login(moderator)
    return client


def admin_list_and_revoke(bot_id):
    """The admin's bot list (its page's text), then its revoke action on ``bot_id``."""
    client = admin_client()
    listed = client.get(reverse("admin:chat_bot_changelist"))
    assert listed.status_code == 200
    data = {"action": "revoke_bots", "_selected_action": [bot_id]}
    revoked = client.post(reverse("admin:chat_bot_changelist"), data)
    assert revoked.status_code == 302
    assert client.get(reverse("admin:chat_bot_add")).status_code == 403
    return listed.content.decode()


async def test_site_admins_list_bots_and_revoke_them(connect, alice, bob):
    a = await connect(alice)
    room = await room_with(a, members=["bob"], name="Deploys")
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "builds"})
    page = await call(admin_list_and_revoke, bot_id=made["bot"]["id"])
    for shown in ("builds", "Deploys", "alice", made["bot"]["token_prefix"]):
        assert shown in page
    assert made["token"] not in page
    assert (await call(Bot.objects.get, pk=made["bot"]["id"])).revoked_at is not None
    status, body = await call(post_hook, url=made["url"], token=made["token"], body={"text": "x"})
    assert (status, body["error"]) == (401, "token_revoked")
    assert not await call(Message.objects.exists)


def test_the_create_bot_command_prints_a_working_token_once(alice, bob):
    room = group(alice, bob, name="Deploys")
    out = io.StringIO()
    call_command("create_bot", "deploys", "--room", "Deploys", stdout=out)
    token = re.search(r"token \(shown once, store it now\): (\S+)", out.getvalue()).group(1)
    url = re.search(r"webhook: \S*(/hooks/\d+)", out.getvalue()).group(1)
    assert TOKEN.fullmatch(token)
    assert post_hook(url, token, {"text": "from the command"})[0] == 201
    assert Message.objects.get().sender.username == "deploys"
    for name, target in [("again", "Nowhere"), ("deploys", str(room.pk)), ("x y", "Deploys")]:
        with pytest.raises(CommandError, match="Nothing was created"):
            call_command("create_bot", name, "--room", target, stdout=io.StringIO())
    assert Bot.objects.count() == 1


async def test_a_bot_that_may_not_post_in_its_channel_answers_403(connect, alice, bob):
    a = await connect(alice)
    room = await room_with(a, members=["bob"], kind="channel", name="News")
    made = await a.ok("bot.create", {"room_id": room["id"], "name": "newsbot"})
    status, body = await call(post_hook, url=made["url"], token=made["token"], body={"text": "x"})
    assert (status, body["error"]) == (403, "forbidden")
    assert "admins" in body["detail"]
    response = await call(Client().get, path=made["url"])
    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert not await call(Message.objects.exists)


async def test_a_bot_opens_no_socket_even_with_a_password(redis_layer, alice, bob):
    bot_user = await call(lambda: _bot_given_a_password(alice, bob))
    token, _ = await call(token_issue, user=bot_user)
    client = await connect_communicator(token=token, expect_hello=False)
    closed = await client.communicator.receive_output(timeout=3)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4001)


def _bot_given_a_password(owner, member):
    """A bot whose user a site admin gave a password (the admin's password form allows it)."""
    room = group(owner, member, name="Ops")
    made = services.create_bot(room, "opsbot")
    bot_user = get_user_model().objects.get(pk=made["bot"]["user"]["id"])
    bot_user.set_password("a-password-someone-set")
    bot_user.save()
    return bot_user


def test_a_name_taken_between_the_check_and_the_insert_is_refused(alice, bob, monkeypatch):
    """Two admins naming a bot alike at once: both checks pass, one insert wins. The race is
    made by skipping the check (it cannot be timed for real); the loser gets 4004."""
    room = group(alice, bob, name="Ops")
    user_model = get_user_model()
    monkeypatch.setattr(user_model, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr(user_model, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(exceptions.InvalidPayloadError, match="already exists"):
        services.create_bot(room, "BOB")
    assert not Bot.objects.exists()
    assert Membership.objects.filter(room=room).count() == 2


def test_every_token_check_does_the_same_work_whether_or_not_the_bot_exists(
    alice, bob, monkeypatch, django_assert_num_queries
):
    """The time of a 401 tells nothing: a wrong token of the right form for a bot, and any
    token for an id no bot has, cost one query and one constant-time comparison of two
    64-character hashes, as the right token does."""
    made = services.create_bot(group(alice, bob, name="Ops"), "opsbot")
    compared = []
    real = bots.hmac.compare_digest
    monkeypatch.setattr(
        bots.hmac, "compare_digest", lambda a, b: compared.append((len(a), len(b))) or real(a, b)
    )
    prefix, _, secret = made["token"].rpartition("_")
    wrong = f"{prefix}_{'A' * len(secret)}"
    bot_id = made["bot"]["id"]
    cases = [(bot_id, made["token"], True), (bot_id, wrong, False), (bot_id + 1, wrong, False)]
    for asked, token, found in cases:
        with django_assert_num_queries(1):
            assert (bots.bot_for_token(asked, token) is not None) is found
    assert compared == [(64, 64)] * 3
