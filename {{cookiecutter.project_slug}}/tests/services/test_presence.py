"""chat/presence.py: who is online, the announcements, and the grace period after a close."""

import asyncio
import uuid
from datetime import timedelta

import pytest
import redis
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import broadcast, exceptions, presence, protocol
from chat.models import ChatSession
from tests.domain import group, socket_name
from tests.published import decode, heads, published, refused, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def presence_changed(room):
    return room_event(room.pk, protocol.PRESENCE_CHANGED, "room_id", "user", "online")


def live(user, socket_id="s1", *, seconds_ago=0):
    last_seen = timezone.now() - timedelta(seconds=seconds_ago)
    return ChatSession.objects.create(
        user=user, channel_name=socket_name(f"{user.pk}-{socket_id}"), last_seen=last_seen
    )


# --- settle ---------------------------------------------------------------------------------


def test_settle_announces_offline_in_every_room_once_the_grace_is_over(alice, bob):
    team, solo = group(alice, bob), group(alice)
    presence.mark_away_many({alice.pk})
    result, events = published(presence.settle, user=alice)
    assert result is None
    assert sorted(heads(events)) == sorted([presence_changed(team), presence_changed(solo)])
    for event in events:
        assert event.data["user"] == {"id": alice.pk, "username": "alice"}
        assert event.data["online"] is False
    assert not presence.came_back(alice.pk)  # consumed: a second settle announces nothing
    assert published(presence.settle, user=alice) == (None, [])


def test_settle_announces_nothing_when_a_socket_came_back(alice, bob):
    group(alice, bob)
    presence.mark_away_many({alice.pk})
    live(alice)
    assert published(presence.settle, user=alice) == (None, [])
    assert not presence.came_back(alice.pk)


def test_settle_announces_nothing_without_the_away_mark(alice, bob):
    # The user came back (the connect consumed the mark) or another process settled already.
    group(alice, bob)
    assert published(presence.settle, user=alice) == (None, [])


def test_settle_counts_a_stale_session_as_gone(alice, bob):
    team = group(alice, bob)
    presence.mark_away_many({alice.pk})
    live(alice, seconds_ago=3600)
    _, events = published(presence.settle, user=alice)
    assert heads(events) == [presence_changed(team)]


def test_settle_many_settles_a_batch_in_a_few_statements(alice, bob, carol, make_user):
    dave, erin = make_user("dave"), make_user("erin")
    team, pair = group(alice, bob, carol), group(dave, erin)
    presence.mark_away_many({alice.pk, bob.pk, dave.pk})
    live(bob)  # came back on another socket
    # carol and erin have no mark: their connects consumed it, or another process settled.
    requests = [{"user": user} for user in (alice, bob, carol, dave, erin)]
    with CaptureQueriesContext(connection) as queries:
        result, events = published(presence.settle_many, requests=requests)
    assert result == [None] * 5
    assert sorted((e.data["room_id"], e.data["user"]["id"], e.data["online"]) for e in events) == [
        (team.pk, alice.pk, False), (pair.pk, dave.pk, False),
    ]  # fmt: skip
    # Live sessions, the rooms, their sizes: however many users the batch holds.
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 3, queries
    assert presence.came_back_many([alice.pk, bob.pk, dave.pk]) == set()


# --- the away mark, announce, users_with_live_sessions -------------------------------------


@pytest.fixture(params=["in-process cache", "Redis cache"])
def stored_marks(request, settings):
    """The away marks' cache: the local default, or Redis as production has it.

    Yields a function listing the marks stored in Redis (None for the in-process cache).
    """
    if request.param == "in-process cache":
        yield None
        return
    from config.settings import redis_cache

    url = request.getfixturevalue("redis_server").url
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": redis_cache(url, prefix=prefix)}
    client = redis.Redis.from_url(url)
    yield lambda: sorted(client.keys(f"{prefix}:*presence:away:*"))
    client.close()


def test_came_back_consumes_the_away_mark(alice, stored_marks):
    assert presence.came_back(alice.pk) is False
    presence.mark_away_many({alice.pk})
    assert presence.came_back(alice.pk) is True
    assert presence.came_back(alice.pk) is False


def test_came_back_many_consumes_each_users_mark_once(alice, bob, carol, stored_marks):
    presence.mark_away_many({alice.pk, carol.pk})
    if stored_marks is not None:
        assert len(stored_marks()) == 2
    users = [alice.pk, bob.pk, carol.pk]
    assert presence.came_back_many(users) == {alice.pk, carol.pk}
    assert presence.came_back_many(users) == set()
    assert presence.came_back_many([]) == set()
    if stored_marks is not None:
        assert stored_marks() == []


def test_announce_tells_each_room_given(alice, bob):
    rooms = sorted([group(alice, bob).pk, group(alice).pk])
    _, events = published(presence.announce, user=alice, room_ids=set(rooms), online=True)
    assert [event.data for event in events] == [
        {"room_id": room_id, "user": {"id": alice.pk, "username": "alice"}, "online": True}
        for room_id in rooms
    ]
    assert [event.to for event in events] == [broadcast.room_group(r) for r in rooms]


def test_rooms_above_the_presence_size_get_no_announcements(alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "PRESENCE_MAX_ROOM_SIZE": 2}
    small, large = group(alice, bob), group(alice, bob, carol)
    rooms_by_user = {alice: {small.pk, large.pk}, bob: {small.pk, large.pk}}
    _, events = published(presence.announce_many, rooms_by_user=rooms_by_user, online=False)
    assert heads(events) == [presence_changed(small)] * 2
    assert [event.data["user"]["username"] for event in events] == ["alice", "bob"]
    assert presence.room_presence(user=alice, room_id=small.pk)["announced"] is True
    assert presence.room_presence(user=alice, room_id=large.pk)["announced"] is False


def test_users_with_live_sessions(alice, bob, settings):
    assert presence.users_with_live_sessions([alice.pk, bob.pk]) == set()
    session = live(alice, seconds_ago=settings.CHAT["PRESENCE_TTL"] + 5)
    live(bob)
    assert presence.users_with_live_sessions([alice.pk, bob.pk]) == {bob.pk}
    ChatSession.objects.filter(pk=session.pk).update(last_seen=timezone.now())
    assert presence.users_with_live_sessions([alice.pk, bob.pk]) == {alice.pk, bob.pk}


# --- online_user_ids and room_presence ------------------------------------------------------


def test_online_user_ids_counts_live_sessions_and_users_within_the_grace(
    alice, bob, carol, make_user
):
    dave = make_user("dave")
    live(alice)
    presence.mark_away_many({bob.pk})  # closed their last socket moments ago
    live(carol, seconds_ago=3600)  # a session whose process died
    assert presence.online_user_ids([alice.pk, bob.pk, carol.pk, dave.pk]) == {alice.pk, bob.pk}
    assert presence.online_user_ids([]) == set()


def test_room_presence_lists_the_online_members_by_id(alice, bob, carol, make_user):
    dave = make_user("dave")
    room = group(alice, bob, carol, dave)
    for user in (dave, alice):
        live(user)
    presence.mark_away_many({bob.pk})
    result = presence.room_presence(user=carol, room_id=room.pk)
    assert result == {
        "room_id": room.pk,
        "online": [
            {"id": alice.pk, "username": "alice"},
            {"id": bob.pk, "username": "bob"},
            {"id": dave.pk, "username": "dave"},
        ],
        "announced": True,
    }


def test_room_presence_refuses_outsiders(alice, bob, carol):
    room = group(alice, bob)
    refused(exceptions.RoomNotFoundError, presence.room_presence, user=carol, room_id=room.pk)


# --- settle_later: the grace timer on the event loop ----------------------------------------


@pytest.fixture
def room(alice, bob):
    # A synchronous fixture: the test's own thread writes it, not one that keeps a connection.
    return group(alice, bob)


async def test_settle_later_settles_after_the_grace_and_sends_on_the_layer(alice, room, settings):
    settings.CHAT = {**settings.CHAT, "PRESENCE_GRACE": 0}
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcast.room_group(room.pk), channel)
    presence.mark_away_many({alice.pk})
    presence.settle_later(alice)
    event = decode(broadcast.room_group(room.pk), await layer.receive(channel), None)
    assert event.head == presence_changed(room)
    assert event.data["online"] is False
    await layer.flush()


async def test_settle_later_again_restarts_the_users_one_timer(alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "PRESENCE_GRACE": 3600}
    presence.settle_later(alice)
    timers = presence._timers[asyncio.get_running_loop()]
    first = timers[alice.pk]
    presence.settle_later(bob)
    presence.settle_later(alice)
    assert first.cancelled()
    assert set(timers) == {alice.pk, bob.pk}
    assert not timers[alice.pk].cancelled()
    for timer in timers.values():
        timer.cancel()
    timers.clear()
