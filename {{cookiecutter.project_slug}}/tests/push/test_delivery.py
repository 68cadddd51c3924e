"""Pushes reach a subscribed browser for what notifies its user, decryptable and text-free.

Through real sockets (the in-process ASGI stack on the Redis layer), the page's subscribe
endpoint, the process's push thread, and the loopback push service, which checks each push's
VAPID signature and decrypts it with the browser's own keys. Where a test shows that
something was not pushed, a later push to the same browser (a fence) arrives first: the push
thread sends in order.
"""

import pytest
from asgiref.sync import sync_to_async

from chat.models import PushSubscription
from chat.push.outbox import outbox
from tests.helpers import call
from tests.push.conftest import subscribe
from tests.rooms import room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]


async def pushed(service, count):
    return [d.payload for d in await sync_to_async(service.wait_for)(count)]


def expected(kind, title, message):
    room, seq = message["room_id"], message["seq"]
    return {
        "title": title,
        "body": "",
        "kind": kind,
        "room_id": room,
        "seq": seq,
        "url": f"/rooms/{room}/messages/{seq}/",
        "tag": f"chat-{room}-{seq}",
    }


async def test_a_mention_a_reply_and_a_direct_message_are_pushed_without_their_text(
    connect, alice, bob, push
):
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    mention = await say(a, room, "@bob the secret plan")
    (first,) = await pushed(push, 1)
    assert first == expected("mention", "alice mentioned you in #general", mention)

    question = await say(b, room, "a question")
    reply = await say(a, room, "the answer is secret", reply_to=question["id"])
    assert (await pushed(push, 2))[1] == expected(
        "reply", "alice replied to you in #general", reply
    )

    direct = await room_with(a, b, kind="direct")
    message = await say(a, direct, "a secret between us")
    assert (await pushed(push, 3))[2] == expected("direct", "alice sent you a message", message)
    assert all(d.claims["sub"] == "mailto:ops@example.com" for d in push.deliveries)
    await sync_to_async(outbox.join)()
    assert outbox.counts["sent"] >= 3


async def test_a_reply_in_a_followed_thread_is_pushed(connect, alice, bob, push):
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    root = await say(a, room, "a thread")
    await b.ok("thread.follow", {"thread_root_id": root["id"]})
    reply = await say(a, room, "more in the thread", thread_root_id=root["id"])
    (only,) = await pushed(push, 1)
    assert only == expected("thread_reply", "alice replied in a thread in #general", reply)


async def test_the_text_is_pushed_only_where_the_site_allows_it(
    connect, alice, bob, push, settings
):
    settings.CHAT = {**settings.CHAT, "PUSH_CONTENT": True}
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    await say(a, room, "@bob " + "long " * 100)
    (push_,) = await pushed(push, 1)
    assert push_["body"] == ("@bob " + "long " * 100)[:200]


async def test_a_muted_room_a_blocked_sender_and_the_setting_off_push_nothing(
    connect, alice, bob, carol, push
):
    await call(subscribe, user=bob, service=push)
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    muted = await room_with(a, b, name="muted")
    await b.ok("room.mute", {"room_id": muted["id"], "muted": True})
    await say(a, muted, "@bob in a muted room")
    await b.ok("user.block", {"username": "carol"})
    blocked_in = await room_with(a, b, c, name="with carol")
    await say(c, blocked_in, "@bob from someone bob blocks")

    fence_room = await room_with(a, b, name="fence")
    fence = await say(a, fence_room, "@bob fence")
    assert await pushed(push, 1) == [expected("mention", "alice mentioned you in #fence", fence)]

    await b.ok("settings.update", {"push_notifications": False})
    await say(a, fence_room, "@bob with push off")
    # The push thread reads the setting when it sends: it must be done with this message
    # before the setting comes back on.
    await sync_to_async(outbox.join)()
    await b.ok("settings.update", {"push_notifications": True})
    second = await say(a, fence_room, "@bob second fence")
    assert (await pushed(push, 2))[1]["seq"] == second["seq"]
    assert len(push.deliveries) == 2


async def test_a_browser_whose_page_is_in_view_is_not_pushed(connect, alice, bob, push):
    client, in_view = await call(subscribe, user=bob, service=push)
    _, elsewhere = await call(subscribe, user=bob, service=push)
    cookie = f"sessionid={client.session.session_key}".encode()
    page = await connect(None, headers=[(b"cookie", cookie)])
    assert (await page.ok("session.visibility", {"visible": True})) == {"visible": True}
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    seen = await say(a, room, "@bob while the page shows")
    (only,) = await pushed(push, 1)
    assert only["seq"] == seen["seq"]
    assert [d.endpoint for d in push.deliveries] == [elsewhere.endpoint]

    await page.ok("session.visibility", {"visible": False})
    hidden = await say(a, room, "@bob while the page is hidden")
    later = await pushed(push, 3)
    assert {d.endpoint for d in push.deliveries[1:]} == {in_view.endpoint, elsewhere.endpoint}
    assert {p["seq"] for p in later[1:]} == {hidden["seq"]}


async def test_a_410_ends_the_subscription_and_a_429_or_500_loses_only_that_push(
    connect, alice, bob, push
):
    await call(subscribe, user=bob, service=push)
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b, name="general")
    failed = outbox.counts["failed"]
    push.answers = [429, 500]
    for status in (429, 500):
        await say(a, room, f"@bob answered {status}")
    after = await say(a, room, "@bob after the failures")
    assert (await pushed(push, 1))[0]["seq"] == after["seq"]
    await sync_to_async(outbox.join)()
    assert outbox.counts["failed"] == failed + 2
    assert await call(PushSubscription.objects.filter(user=bob).count) == 1

    push.answers = [410]
    await say(a, room, "@bob the browser dropped it")
    await sync_to_async(outbox.join)()
    assert not await call(PushSubscription.objects.filter(user=bob).exists)
