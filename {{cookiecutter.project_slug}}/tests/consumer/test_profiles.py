"""Profiles through a real socket and the real Redis channel layer: profile.update, who hears
user.updated, and the display name carried by the payloads that name users.

Where a test shows that something is not sent, it sends a later message (a fence) and waits
for it: what was published before the fence reaches each socket before it.
"""

import pytest

from chat import protocol
from tests.helpers import call
from tests.rooms import room_with, say

pytestmark = [pytest.mark.django_db(transaction=True)]


def pushed(client, event_type):
    return [e["data"] for e in client.events if e["event_type"] == event_type]


def stored_profile(user):
    user.refresh_from_db()
    return (user.display_name, user.status_text, user.status_emoji, user.time_zone)


async def fence(sender, room, *receivers):
    message = await say(sender, room, "fence")
    for receiver in receivers:
        await receiver.expect("message.new", where=lambda d: d["message"]["id"] == message["id"])


async def test_a_profile_change_is_cleaned_stored_and_told_to_the_users_rooms(
    connect, alice, bob, carol
):
    a, a_phone, b, c = await connect(alice), await connect(alice), await connect(bob), None
    room = await room_with(a, b)
    c = await connect(carol)
    other = await room_with(c, b, name="Elsewhere")

    reply = await a.ok(
        "profile.update",
        {
            "display_name": "  Alice \u202eLiddell  ",
            "status": "In the garden",
            "status_emoji": "\u2764",  # stored fully qualified
            "time_zone": "Europe/London",
        },
    )
    profile = {
        "id": alice.pk,
        "username": "alice",
        "display_name": "Alice Liddell",
        "status": "In the garden",
        "status_emoji": "\u2764\ufe0f",
        "time_zone": "Europe/London",
    }
    assert reply == {"user": profile}
    assert await a_phone.expect("user.updated") == {"user": profile}
    assert await b.expect("user.updated") == {"user": profile}
    assert await call(stored_profile, user=alice) == (
        "Alice Liddell",
        "In the garden",
        "\u2764\ufe0f",
        "Europe/London",
    )
    # Carol shares no room with Alice: she hears nothing.
    await fence(b, other, c)
    assert pushed(c, "user.updated") == []

    # Messages name the sender with the display name; the hello has the whole profile; the
    # other socket's own events (typing) carry it too, without reconnecting.
    message = await say(a, room, "hi")
    assert message["sender"] == {
        "id": alice.pk,
        "username": "alice",
        "display_name": "Alice Liddell",
    }
    assert (await connect(alice)).hello["user"] == profile
    await a_phone.ok("message.typing", {"room_id": room["id"], "is_typing": True})
    typing = await b.expect("room.typing")
    assert typing["user"]["display_name"] == "Alice Liddell"

    # "" clears; members then carry no key for it.
    cleared = await a.ok("profile.update", {"display_name": "", "status_emoji": ""})
    assert "display_name" not in cleared["user"] and "status_emoji" not in cleared["user"]
    members = (await b.ok("room.members", {"room_id": room["id"]}))["members"]
    mine = next(m for m in members if m["id"] == alice.pk)
    assert mine == {**cleared["user"], "role": "admin"}


async def test_rooms_over_the_size_limit_are_not_told(connect, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "PROFILE_EVENT_MAX_ROOM_SIZE": 2}
    a, a_phone, b = await connect(alice), await connect(alice), await connect(bob)
    small = await room_with(a, b, kind="direct")
    large = await room_with(a, b, members=["carol"])
    await a.ok("profile.update", {"status": "Away"})
    # The user's own sockets and the direct room hear it, once each.
    await a_phone.expect("user.updated")
    told = await b.expect("user.updated")
    assert told["user"]["status"] == "Away"
    await fence(a, large, b)
    await fence(a, small, b)
    assert pushed(b, "user.updated") == []


async def test_an_unchanged_profile_tells_no_one(connect, alice, bob):
    a, b = await connect(alice), await connect(bob)
    room = await room_with(a, b)
    await a.ok("profile.update", {"time_zone": "Asia/Tokyo"})
    await b.expect("user.updated")
    await a.ok("profile.update", {"time_zone": "Asia/Tokyo"})
    await fence(a, room, b)
    assert pushed(b, "user.updated") == []


async def test_profile_updates_are_rate_limited(connect, alice, settings):
    limits = {**settings.CHAT["RATE_LIMITS"], "profile": (0.001, 2)}
    settings.CHAT = {**settings.CHAT, "RATE_LIMITS": limits}
    a = await connect(alice)
    for name in ("One", "Two"):
        await a.ok("profile.update", {"display_name": name})
    refused = await a.request("profile.update", {"display_name": "Three"})
    assert refused["data"]["code"] == 4029
    assert (await call(stored_profile, user=alice))[0] == "Two"


HOSTILE = [
    {},
    {"display_name": "x" * 65},
    {"display_name": "a\x00b"},
    {"display_name": 5},
    {"status": "s" * 101},
    {"status": "\ud800"},
    {"status_emoji": "ab"},
    {"status_emoji": "\U0001f600\U0001f600"},
    {"time_zone": "Mars/Olympus"},
    {"time_zone": "../../etc/passwd"},
    {"time_zone": "/etc/localtime"},
    {"time_zone": "x" * 65},
    {"display_name": "Alice", "email": "x@example.com"},
]


@pytest.mark.parametrize("data", HOSTILE)
async def test_hostile_profile_frames_get_4004_and_change_nothing(connect, alice, data):
    a = await connect(alice)
    await a.ok("profile.update", {"display_name": "Before"})
    refused = await a.request(protocol.PROFILE_UPDATE, data, hostile=True)
    assert refused["event_type"] == "error" and refused["data"]["code"] == 4004, refused
    assert await call(stored_profile, user=alice) == ("Before", "", "", "")
    assert (await a.ok("session.heartbeat"))["rooms"] == []
