"""chat/selectors/rooms.py: reads of rooms and memberships, scoped by the acting user."""

import pytest
from django.db import transaction

from chat import exceptions, selectors, services
from chat.models import Membership
from chat.selectors import rooms as room_selectors
from tests.domain import channel, direct, group, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_rooms(alice, bob):
    """alice and bob's group, private channel and direct room."""
    return [group(alice, bob), channel(alice, bob, is_public=False), direct(alice, bob)]


# --- membership_for and visible_room --------------------------------------------------------


@pytest.mark.parametrize("lock_room", [False, True])
def test_membership_for_returns_the_users_membership_with_its_room(alice, bob, lock_room):
    room = group(alice, bob)
    with transaction.atomic():
        found = selectors.membership_for(bob, room.pk, lock_room=lock_room)
        assert (found.user, found.role, found.room.name) == (bob, "member", "Team")


def test_membership_for_refuses_outsiders_and_missing_rooms(private_rooms, carol):
    for room in [*private_rooms, channel(private_rooms[0].created_by)]:
        with pytest.raises(exceptions.RoomNotFoundError):
            selectors.membership_for(carol, room.pk)
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.membership_for(carol, 10_000)


def test_visible_room_is_a_members_room_or_a_public_channel(private_rooms, alice, bob, carol):
    public = channel(alice)
    assert selectors.visible_room(carol, public.pk) == public
    for room in private_rooms:
        assert selectors.visible_room(bob, room.pk) == room
        with pytest.raises(exceptions.RoomNotFoundError):
            selectors.visible_room(carol, room.pk)


# --- room_ids_for_user and room_positions_for_user ------------------------------------------


def test_room_ids_for_user(private_rooms, alice, carol):
    assert selectors.room_ids_for_user(alice.pk) == {room.pk for room in private_rooms}
    assert selectors.room_ids_for_user(carol.pk) == set()


def test_room_positions_for_user_in_one_query_by_room_id(
    private_rooms, alice, bob, django_assert_num_queries
):
    team, news, pair = private_rooms
    for _ in range(3):
        send(alice, team)
    send(bob, pair)
    services.message_edit(user=bob, message_id=pair.messages.get().pk, content="edited")
    services.message_read(user=bob, room_id=team.pk, seq=1)
    with django_assert_num_queries(1):
        positions = selectors.room_positions_for_user(bob.pk)
    assert positions == [
        {
            "id": team.pk,
            "last_seq": 3,
            "last_rev": 0,
            "last_read_seq": 1,
            "unread": 2,
            "mentions": 0,
        },
        {
            "id": news.pk,
            "last_seq": 0,
            "last_rev": 0,
            "last_read_seq": 0,
            "unread": 0,
            "mentions": 0,
        },
        {
            "id": pair.pk,
            "last_seq": 1,
            "last_rev": 1,
            "last_read_seq": 1,
            "unread": 0,
            "mentions": 0,
        },
    ]
    assert [p["id"] for p in positions] == sorted(p["id"] for p in positions)
    assert selectors.room_positions_for_user(alice.pk)[0]["unread"] == 0


# --- room_list and direct_peers -------------------------------------------------------------


def test_room_list_is_the_users_rooms_most_recently_active_first(alice, bob, carol):
    first, second, third = group(alice, bob), group(alice, bob), group(alice)
    group(carol)  # not alice's
    send(alice, first)
    assert [r["id"] for r in selectors.room_list(user=alice)["rooms"]] == [
        first.pk, third.pk, second.pk,
    ]  # fmt: skip
    send(bob, second)
    rooms = selectors.room_list(user=alice)["rooms"]
    assert [r["id"] for r in rooms] == [second.pk, first.pk, third.pk]
    assert [(r["role"], r["unread"], r["muted"]) for r in rooms] == [
        ("admin", 1, False), ("admin", 0, False), ("admin", 0, False),
    ]  # fmt: skip
    assert all("members" not in r for r in rooms)


def test_room_list_names_the_peer_of_direct_rooms(alice, bob, carol):
    with_bob, with_carol, team = direct(alice, bob), direct(carol, alice), group(alice, bob)
    services.room_mute(user=alice, room_id=with_carol.pk, muted=True)
    rooms = {r["id"]: r for r in selectors.room_list(user=alice)["rooms"]}
    assert rooms[with_bob.pk]["peer"] == {"id": bob.pk, "username": "bob"}
    assert rooms[with_carol.pk]["peer"] == {"id": carol.pk, "username": "carol"}
    assert rooms[with_carol.pk]["muted"] is True
    assert "peer" not in rooms[team.pk]


def test_direct_peers(alice, bob, carol):
    with_bob, with_carol = direct(alice, bob), direct(carol, alice)
    assert selectors.direct_peers(alice, [with_bob.pk, with_carol.pk]) == {
        with_bob.pk: bob,
        with_carol.pk: carol,
    }
    assert selectors.direct_peers(bob, [with_bob.pk]) == {with_bob.pk: alice}
    assert selectors.direct_peers(alice, []) == {}


# --- room_info and room_detail --------------------------------------------------------------


def test_room_info_gives_members_their_own_view(alice, bob):
    room = group(alice, bob)
    info = selectors.room_info(user=bob, room_id=room.pk)["room"]
    assert info["members"] == [
        {"id": alice.pk, "username": "alice", "role": "admin"},
        {"id": bob.pk, "username": "bob", "role": "member"},
    ]
    assert (info["role"], info["unread"]) == ("member", 0)


def test_room_info_shows_a_public_channel_to_anyone_without_a_membership(alice, carol):
    room = channel(alice)
    info = selectors.room_info(user=carol, room_id=room.pk)["room"]
    assert info["id"] == room.pk
    assert [m["username"] for m in info["members"]] == ["alice"]
    assert not {"role", "muted", "last_read_seq", "unread"} & set(info)


def test_room_info_refuses_outsiders(private_rooms, carol):
    for room in private_rooms:
        with pytest.raises(exceptions.RoomNotFoundError):
            selectors.room_info(user=carol, room_id=room.pk)


def test_room_detail_lists_members_in_joining_order(alice, bob, carol):
    room = group(alice, carol)
    services.room_add_members(user=alice, room_id=room.pk, members=["bob"])
    membership = Membership.objects.get(room=room, user=carol)
    detail = selectors.room_detail(room, membership=membership)
    assert [m["username"] for m in detail["members"]] == ["alice", "carol", "bob"]
    assert detail["role"] == "member"
    assert "role" not in selectors.room_detail(room)


# --- public_channels ------------------------------------------------------------------------


def test_public_channels_by_name_marking_those_joined(alice, bob, carol):
    news, art = channel(alice, name="News"), channel(bob, name="Art")
    channel(alice, bob, carol, name="Hidden", is_public=False)
    group(alice, bob, carol, name="A group")
    listed = selectors.public_channels(user=carol)["rooms"]
    assert [(r["id"], r["joined"]) for r in listed] == [(art.pk, False), (news.pk, False)]
    services.room_join(user=carol, room_id=news.pk)
    listed = selectors.public_channels(user=carol)["rooms"]
    assert [(r["id"], r["joined"]) for r in listed] == [(art.pk, False), (news.pk, True)]
    assert all(r["is_public"] and r["kind"] == "channel" for r in listed)
    assert all("members" not in r and "role" not in r for r in listed)


def test_public_channels_are_capped(alice, monkeypatch):
    for name in ("c", "a", "b"):
        channel(alice, name=name)
    monkeypatch.setattr(room_selectors, "PUBLIC_CHANNELS_MAX", 2)
    listed = selectors.public_channels(user=alice)["rooms"]
    assert [(r["name"], r["joined"]) for r in listed] == [("a", True), ("b", True)]
