"""chat/services/sessions.py: a socket's session row, the per-user cap, presence on connect.

The services take batches (chat.batches gathers the connects and closes that arrive
together); most tests run batches of one, as a quiet server does, and the batch tests below
check what a batch of several changes.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chat import auth, exceptions, presence, protocol, selectors, services
from chat.models import ChatSession
from tests.domain import group, socket_name
from tests.published import evict, heads, published, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def presence_changed(room):
    return room_event(room.pk, protocol.PRESENCE_CHANGED, "room_id", "user", "online")


def credential(user):
    return auth.Credential(user.pk, user.get_session_auth_hash())


def opening(user, socket_id, **kwargs):
    return {"credential": credential(user), "channel_name": socket_name(socket_id), **kwargs}


def open_session(user, socket_id, **kwargs):
    """Open one socket in a batch of one; return its result (without the user) and events."""
    results, events = published(
        services.sessions_open, requests=[opening(user, socket_id, **kwargs)]
    )
    (result,) = results
    assert result["user"] == user
    return {key: value for key, value in result.items() if key != "user"}, events


def close_session(user, socket_id):
    results, events = published(
        services.sessions_close, requests=[{"user": user, "channel_name": socket_name(socket_id)}]
    )
    (result,) = results
    return result, events


def age(channel_name, seconds):
    """Make a session look last seen ``seconds`` ago."""
    last_seen = timezone.now() - timedelta(seconds=seconds)
    ChatSession.objects.filter(channel_name=channel_name).update(last_seen=last_seen)


def sockets(user):
    return list(
        ChatSession.objects.filter(user=user).order_by("pk").values_list("channel_name", flat=True)
    )


# --- session_open ---------------------------------------------------------------------------


def test_session_open_records_the_socket_and_announces_a_first_connect(alice, bob):
    team, pair = group(alice, bob), group(alice)
    result, events = open_session(alice, "s1", user_agent="x" * 300)
    session = ChatSession.objects.get()
    assert result == {
        "session_id": session.pk,
        "room_ids": {team.pk, pair.pk},
        "blocked_ids": set(),
    }
    assert (session.user, session.channel_name) == (alice, socket_name("s1"))
    assert session.user_agent == "x" * 256
    assert session.last_seen >= presence.online_since()
    assert sorted(heads(events)) == sorted([presence_changed(team), presence_changed(pair)])
    for event in events:
        assert event.data["user"] == {"id": alice.pk, "username": "alice"}
        assert event.data["online"] is True


def test_session_open_tells_the_socket_whom_its_user_blocks(alice, bob, carol):
    services.user_block(user=alice, username="bob")
    services.user_block(user=bob, username="carol")
    assert open_session(alice, "s1")[0]["blocked_ids"] == {bob.pk}
    assert open_session(carol, "s2")[0]["blocked_ids"] == set()


def test_session_open_beside_a_live_socket_announces_nothing(alice, bob):
    group(alice, bob)
    open_session(alice, "s1")
    result, events = open_session(alice, "s2")
    assert events == []
    assert sockets(alice) == [socket_name("s1"), socket_name("s2")]
    assert result["session_id"] == ChatSession.objects.get(channel_name=socket_name("s2")).pk


def test_session_open_beside_only_stale_sockets_announces_online(alice, bob):
    team = group(alice, bob)
    open_session(alice, "s1")
    age(socket_name("s1"), 3600)
    _, events = open_session(alice, "s2")
    assert heads(events) == [presence_changed(team)]


def test_session_open_within_the_grace_announces_nothing_and_consumes_the_away_mark(alice, bob):
    group(alice, bob)
    open_session(alice, "s1")
    assert close_session(alice, "s1")[0] == {"last": True}
    _, events = open_session(alice, "s2")
    assert events == []
    assert not presence.came_back(alice.pk)  # the mark is gone: settle() announces nothing


def test_session_open_beyond_the_cap_evicts_the_oldest_sockets(alice, bob, settings):
    settings.CHAT = {**settings.CHAT, "MAX_SESSIONS_PER_USER": 2}
    group(alice, bob)
    for socket_id in ("s1", "s2"):
        open_session(alice, socket_id)
    open_session(bob, "b1")
    result, events = open_session(alice, "s3")
    assert sockets(alice) == [socket_name("s2"), socket_name("s3")]
    assert sockets(bob) == [socket_name("b1")]
    assert heads(events) == [evict(socket_name("s1"))]
    assert events[0].layer == {"socket": socket_name("s1")}
    assert result["session_id"] == ChatSession.objects.get(channel_name=socket_name("s3")).pk


def test_session_open_under_a_lowered_cap_evicts_every_excess_socket(alice, settings):
    for socket_id in ("s1", "s2", "s3"):
        open_session(alice, socket_id)
    settings.CHAT = {**settings.CHAT, "MAX_SESSIONS_PER_USER": 1}
    _, events = open_session(alice, "s4")
    assert sockets(alice) == [socket_name("s4")]
    assert heads(events) == [
        evict(socket_name("s3")),
        evict(socket_name("s2")),
        evict(socket_name("s1")),
    ]


# --- session_close --------------------------------------------------------------------------


def test_session_close_of_the_last_socket_marks_away_and_announces_nothing(alice, bob):
    group(alice, bob)
    open_session(alice, "s1")
    result, events = close_session(alice, "s1")
    assert (result, events) == ({"last": True}, [])
    assert not ChatSession.objects.exists()
    assert presence.online_user_ids([alice.pk]) == {alice.pk}  # within the grace
    assert presence.came_back(alice.pk)


def test_session_close_of_another_socket_is_not_the_last(alice, bob):
    group(alice, bob)
    open_session(alice, "s1")
    open_session(alice, "s2")
    result, events = close_session(alice, "s1")
    assert (result, events) == ({"last": False}, [])
    assert sockets(alice) == [socket_name("s2")]
    assert not presence.came_back(alice.pk)


def test_session_close_beside_only_stale_sockets_is_the_last(alice):
    open_session(alice, "s1")
    open_session(alice, "s2")
    age(socket_name("s2"), 3600)
    assert close_session(alice, "s1")[0] == {"last": True}


# --- batches of several connects and closes -------------------------------------------------


def test_a_batch_of_connects_records_each_and_announces_each_user_once(alice, bob):
    team = group(alice, bob)
    requests = [opening(alice, "a1"), opening(bob, "b1"), opening(alice, "a2")]
    results, events = published(services.sessions_open, requests=requests)
    assert [result["user"] for result in results] == [alice, bob, alice]
    assert [result["room_ids"] for result in results] == [{team.pk}] * 3
    by_channel = dict(ChatSession.objects.values_list("channel_name", "pk"))
    assert [result["session_id"] for result in results] == [
        by_channel[socket_name(name)] for name in ("a1", "b1", "a2")
    ]
    assert sorted(heads(events)) == [presence_changed(team)] * 2
    assert sorted(event.data["user"]["username"] for event in events) == ["alice", "bob"]


def test_a_batch_refuses_a_credential_that_no_longer_holds_and_records_the_others(alice, bob):
    stale = credential(alice)
    alice.set_password("changed")
    alice.save()
    requests = [
        {"credential": stale, "channel_name": socket_name("a1")},
        opening(bob, "b1"),
        {"credential": auth.Credential(10**9, "no-such-user"), "channel_name": socket_name("x")},
    ]
    results = services.sessions_open(requests=requests)
    assert results[0] is None and results[2] is None
    assert results[1]["user"] == bob
    assert sockets(alice) == [] and sockets(bob) == [socket_name("b1")]


def test_a_batch_holds_the_cap_counting_its_own_connects_newest_last(alice, settings):
    settings.CHAT = {**settings.CHAT, "MAX_SESSIONS_PER_USER": 2}
    open_session(alice, "s1")
    requests = [opening(alice, "s2"), opening(alice, "s3")]
    _, events = published(services.sessions_open, requests=requests)
    assert sockets(alice) == [socket_name("s2"), socket_name("s3")]
    assert heads(events) == [evict(socket_name("s1"))]


def test_a_batch_of_closes_marks_away_only_users_with_no_live_socket_left(alice, bob):
    for user, name in ((alice, "a1"), (alice, "a2"), (bob, "b1"), (bob, "b2")):
        open_session(user, name)
    requests = [
        {"user": alice, "channel_name": socket_name("a1")},
        {"user": bob, "channel_name": socket_name("b1")},
        {"user": bob, "channel_name": socket_name("b2")},
    ]
    results, events = published(services.sessions_close, requests=requests)
    assert results == [{"last": False}, {"last": True}, {"last": True}]
    assert events == []
    assert sockets(alice) == [socket_name("a2")] and sockets(bob) == []
    assert presence.came_back(bob.pk) and not presence.came_back(alice.pk)


# --- session_heartbeat and session_touch ----------------------------------------------------


@pytest.fixture
def token_credential(alice):
    token, _ = auth.token_issue(alice)
    _, credential = auth.token_user(token=token)
    return credential


def test_session_heartbeat_keeps_the_session_fresh_and_returns_the_positions(
    alice, bob, token_credential
):
    group(alice, bob)
    open_session(alice, "s1")
    age(socket_name("s1"), 3600)
    result, events = published(
        services.session_heartbeat,
        user=alice,
        channel_name=socket_name("s1"),
        credential=token_credential,
    )
    assert events == []
    assert set(result) == {"server_time", "rooms"}
    assert result["rooms"] == selectors.room_positions_for_user(alice.pk)
    assert ChatSession.objects.get().last_seen >= presence.online_since()


def test_session_heartbeat_with_a_revoked_token_closes_the_socket(alice, token_credential):
    open_session(alice, "s1")
    age(socket_name("s1"), 3600)
    alice.set_password("changed")
    alice.save()
    with pytest.raises(exceptions.CloseSocket) as raised:
        services.session_heartbeat(
            user=alice, channel_name=socket_name("s1"), credential=token_credential
        )
    assert raised.value.code == protocol.CLOSE_REVOKED
    assert ChatSession.objects.get().last_seen < presence.online_since()


def test_session_heartbeat_after_the_browser_session_logged_out_closes_the_socket(alice):
    browser = Client()
    browser.force_login(alice)
    credential = auth.credential_of({"user": alice, "session": browser.session})
    open_session(alice, "s1")
    beat = {"user": alice, "channel_name": socket_name("s1"), "credential": credential}
    assert set(services.session_heartbeat(**beat)) == {"server_time", "rooms"}
    browser.logout()
    with pytest.raises(exceptions.CloseSocket) as raised:
        services.session_heartbeat(**beat)
    assert raised.value.code == protocol.CLOSE_REVOKED


def test_session_heartbeat_without_its_row_closes_the_socket_as_replaced(alice, token_credential):
    with pytest.raises(exceptions.CloseSocket) as raised:
        services.session_heartbeat(
            user=alice, channel_name=socket_name("gone"), credential=token_credential
        )
    assert raised.value.code == protocol.CLOSE_SESSION_REPLACED
    assert not ChatSession.objects.exists()  # not recreated: that would break the cap


def test_session_touch(alice):
    open_session(alice, "s1")
    age(socket_name("s1"), 3600)
    assert services.session_touch(channel_name=socket_name("s1")) is True
    assert ChatSession.objects.get().last_seen >= presence.online_since()
    assert services.session_touch(channel_name=socket_name("gone")) is False


# --- sessions_cleanup -----------------------------------------------------------------------


def test_sessions_cleanup_deletes_the_sessions_not_seen_for_long(alice, bob):
    for user, socket_id in ((alice, "a1"), (alice, "a2"), (bob, "b1")):
        open_session(user, socket_id)
    age(socket_name("a1"), 600)
    age(socket_name("b1"), 600)
    result, events = published(services.sessions_cleanup, older_than=timedelta(seconds=300))
    assert events == []
    assert result["deleted"] == 2
    assert sorted(result["sessions"]) == sorted(
        [(alice.pk, socket_name("a1")), (bob.pk, socket_name("b1"))]
    )
    assert list(ChatSession.objects.values_list("channel_name", flat=True)) == [socket_name("a2")]
    assert services.sessions_cleanup(older_than=timedelta(seconds=300)) == {
        "deleted": 0,
        "sessions": [],
    }


def test_sessions_touch_records_activity_on_every_socket_of_the_batch(alice, bob):
    for user, name in ((alice, "a1"), (alice, "a2"), (bob, "b1")):
        open_session(user, name)
        age(socket_name(name), 3600)
    requests = [{"channel_name": socket_name("a1")}, {"channel_name": socket_name("b1")}]
    assert services.sessions_touch(requests=requests) == [None, None]
    fresh = ChatSession.objects.filter(last_seen__gte=presence.online_since())
    assert sorted(fresh.values_list("channel_name", flat=True)) == [
        socket_name("a1"),
        socket_name("b1"),
    ]
