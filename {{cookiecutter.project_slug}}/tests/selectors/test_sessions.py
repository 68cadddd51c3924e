"""chat/selectors/sessions.py: what a client learns when its socket connects."""

from datetime import datetime

import pytest

from chat import selectors
from tests.domain import group, send

pytestmark = pytest.mark.django_db(transaction=True)


def test_session_hello_names_the_user_the_limits_and_every_rooms_position(
    alice, bob, settings, django_assert_num_queries
):
    limits = {
        "HEARTBEAT_INTERVAL": 21,
        "MAX_FRAME_BYTES": 1001,
        "MAX_CONTENT_CHARS": 1002,
        "PAGE_MAX": 33,
        "RATE_LIMIT_PER_SECOND": 4.5,
        "RATE_LIMIT_BURST": 12,
    }
    settings.CHAT = {**settings.CHAT, **limits}
    team = group(alice, bob)
    send(alice, team)
    with django_assert_num_queries(1):
        (hello,) = selectors.session_hellos(requests=[{"user": bob, "session_id": 42}])
    assert hello == {
        "session_id": 42,
        "user": {"id": bob.pk, "username": "bob"},
        "server_time": hello["server_time"],
        "heartbeat_interval": 21,
        "limits": {
            "max_frame_bytes": 1001,
            "max_content_chars": 1002,
            "page_max": 33,
            "rate_per_second": 4.5,
            "rate_burst": 12,
        },
        "settings": {"read_receipts": True, "email_digests": True, "push_notifications": True},
        "rooms": [
            {
                "id": team.pk,
                "last_seq": 1,
                "last_rev": 0,
                "last_read_seq": 0,
                "unread": 1,
                "mentions": 0,
            }
        ],
    }
    assert datetime.fromisoformat(hello["server_time"]).tzinfo is not None


def test_session_hello_of_a_user_in_no_room(alice):
    (hello,) = selectors.session_hellos(requests=[{"user": alice, "session_id": 1}])
    assert hello["rooms"] == []


def test_session_hellos_of_a_batch_read_every_users_rooms_in_one_query(
    alice, bob, carol, django_assert_num_queries
):
    team, pair = group(alice, bob), group(alice, carol)
    requests = [
        {"user": alice, "session_id": 1},
        {"user": bob, "session_id": 2},
        {"user": alice, "session_id": 3},
    ]
    with django_assert_num_queries(1):
        hellos = selectors.session_hellos(requests=requests)
    assert [hello["session_id"] for hello in hellos] == [1, 2, 3]
    assert [hello["user"]["username"] for hello in hellos] == ["alice", "bob", "alice"]
    assert [[room["id"] for room in hello["rooms"]] for hello in hellos] == [
        sorted([team.pk, pair.pk]),
        [team.pk],
        sorted([team.pk, pair.pk]),
    ]
