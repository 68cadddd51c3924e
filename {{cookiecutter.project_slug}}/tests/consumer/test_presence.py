"""Presence: online with a user's first socket, offline a grace period after the last one."""

import pytest

from tests.rooms import room_with

pytestmark = [pytest.mark.django_db(transaction=True)]

GRACE = 1.0


@pytest.fixture
def short_grace(settings):
    settings.CHAT = {**settings.CHAT, "PRESENCE_GRACE": GRACE}


def about(username):
    return lambda data: data["user"]["username"] == username


async def shared_room(connect, alice, bob):
    """alice online in a room with bob; bob connects and alice sees him come online."""
    a = await connect(alice)
    room = await room_with(a, members=["bob"], name="P")  # alice's socket is in its group
    b = await connect(bob)
    online = await a.expect("presence.changed", where=about("bob"))
    assert online == {
        "room_id": room["id"],
        "user": {"id": bob.pk, "username": "bob"},
        "online": True,
    }
    return room, a, b


async def test_offline_is_announced_after_the_grace_period(connect, alice, bob, short_grace):
    room, a, b = await shared_room(connect, alice, bob)
    await b.close()
    await a.silent("presence.changed", timeout=GRACE * 0.4)
    # Not yet announced offline, so still online in the snapshot.
    snapshot = await a.ok("presence", {"room_id": room["id"]})
    assert [user["username"] for user in snapshot["online"]] == ["alice", "bob"]
    offline = await a.expect("presence.changed", timeout=5, where=about("bob"))
    assert offline == {
        "room_id": room["id"],
        "user": {"id": bob.pk, "username": "bob"},
        "online": False,
    }
    snapshot = await a.ok("presence", {"room_id": room["id"]})
    assert [user["username"] for user in snapshot["online"]] == ["alice"]


async def test_reconnect_within_the_grace_period_announces_nothing(
    connect, alice, bob, short_grace
):
    room, a, b = await shared_room(connect, alice, bob)
    await b.close()
    await connect(bob)
    # Past the grace period: neither an offline nor a second online announcement.
    await a.silent("presence.changed", timeout=GRACE * 2)
    snapshot = await a.ok("presence", {"room_id": room["id"]})
    assert [user["username"] for user in snapshot["online"]] == ["alice", "bob"]


async def test_a_second_device_keeps_the_user_online(connect, alice, bob, short_grace):
    room, a, b = await shared_room(connect, alice, bob)
    await connect(bob)
    await b.close()
    await a.silent("presence.changed", timeout=GRACE * 2)
