"""Profiles in the domain: what carrying them costs the hot paths, and who is told of a change.

A sender's display name and avatar are on the user row loaded with each message, so a page of
history and a send run the same statements with profiles as without.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import protocol, selectors, services
from tests.domain import group, send

pytestmark = [pytest.mark.django_db]


def with_profile(user, n):
    user.display_name = f"Display Name {n:02d}"
    user.avatar = f"avatars/{user.pk}/{n:016x}.webp"
    user.status_text = "Working from the garden today"
    user.time_zone = "Europe/Paris"
    user.save()


def history(user, room):
    with CaptureQueriesContext(connection) as queries:
        page = selectors.room_messages(user=user, room_id=room.pk, limit=100)
    return len(queries.captured_queries), len(protocol.encode(page))


def one_send(user, room):
    with CaptureQueriesContext(connection) as queries:
        sent = services.message_send(user=user, room_id=room.pk, content="one more")
    return len(queries.captured_queries), len(protocol.encode(sent))


def test_profiles_cost_history_and_sends_no_statement(alice, bob, carol):
    room = group(alice, bob, carol)
    first = send(alice, room, "the first")
    for n in range(60):
        sender = (alice, bob, carol)[n % 3]
        message = send(sender, room, f"message {n}", reply_to=first.pk if n % 5 == 0 else None)
        if n % 4 == 0:
            services.message_react(user=bob, message_id=message.pk, emoji="👍")
    before = history(alice, room), one_send(alice, room)
    for n, user in enumerate((alice, bob, carol)):
        with_profile(user, n)
    after = history(alice, room), one_send(alice, room)

    assert after[0][0] == before[0][0]  # a page of history: the same statements
    assert after[1][0] == before[1][0]  # a send: the same statements
    print(f"history page of 62 (queries, bytes): before {before[0]}, after {after[0]}")
    print(f"message.send reply (queries, bytes): before {before[1]}, after {after[1]}")
    # The sender as the page shows them: display name and avatar inline.
    page = selectors.room_messages(user=alice, room_id=room.pk, limit=1)
    assert json.loads(protocol.encode(page))["messages"][0]["sender"] == {
        "id": alice.pk,
        "username": "alice",
        "display_name": "Display Name 00",
        "avatar_url": f"/avatars/{alice.pk}/{0:016x}/",
    }


def test_a_change_is_published_to_the_user_and_each_small_room_once(alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "PROFILE_EVENT_MAX_ROOM_SIZE": 2}
    small, large = group(alice, bob), group(alice, bob, carol)
    group(bob, carol)  # not Alice's
    with CaptureQueriesContext(connection) as queries:
        told = services.profiles._told_rooms(alice)
    assert told == [small.pk] and len(queries.captured_queries) == 1
    assert large.pk not in told
