"""chat/services/members.py: adding and removing members, admins, and keeping a room led."""

import pytest
from django.contrib.auth import get_user_model

from chat import exceptions, protocol, services
from chat.models import Membership, Room
from chat.services import members, users
from tests.domain import channel, group, make_admin, send
from tests.published import heads, membership, published, refused, room_event

pytestmark = pytest.mark.django_db(transaction=True)

OWNER_STAYS = "The room's owner cannot be removed."


def roles(room):
    return dict(room.memberships.values_list("user__username", "role"))


@pytest.fixture
def dave(make_user):
    return make_user("dave")


@pytest.fixture
def team(alice, bob, carol):
    """alice's group (she owns it); bob is an admin she made; carol is a member."""
    room = group(alice, bob, carol)
    make_admin(room, bob)
    return room


# --- room_add_members -----------------------------------------------------------------------


def test_room_add_members_joins_them_with_the_history_read(team, alice, dave):
    send(alice, team)
    result, events = published(
        services.room_add_members, user=alice, room_id=team.pk, members=["dave"]
    )
    added = Membership.objects.get(room=team, user=dave)
    assert (added.role, added.last_read_seq) == ("member", 1)
    dave_payload = {"id": dave.pk, "username": "dave", "role": "member"}
    assert result == {"room_id": team.pk, "added": [dave_payload], "invited": 0}
    assert heads(events) == [
        membership(dave.pk, protocol.ROOM_CREATED, "room"),
        room_event(team.pk, protocol.ROOM_MEMBERS_ADDED, "room_id", "members"),
    ]
    assert events[0].layer == {"room_id": team.pk, "joined": True}
    assert events[0].data["room"]["id"] == team.pk
    assert events[1].data == {"room_id": team.pk, "members": [dave_payload]}


@pytest.mark.parametrize(
    ("actor", "usernames", "error"),
    [
        ("carol", ["dave"], exceptions.ForbiddenError),  # a member, not an admin
        ("dave", ["dave"], exceptions.RoomNotFoundError),  # an outsider
        ("alice", ["dave", "nobody"], exceptions.UserNotFoundError),
        ("alice", ["eve"], exceptions.UserNotFoundError),  # deactivated
    ],
)
def test_room_add_members_refusals(team, make_user, dave, actor, usernames, error):
    make_user("eve")
    get_user_model().objects.filter(username="eve").update(is_active=False)
    actor = get_user_model().objects.get(username=actor)
    refused(error, services.room_add_members, user=actor, room_id=team.pk, members=usernames)
    assert team.memberships.count() == 3


def test_room_add_members_respects_the_groups_cap(alice, bob, carol, dave):
    room = group(alice, bob, max_members=3)
    refused(
        exceptions.RoomFullError,
        services.room_add_members,
        user=alice,
        room_id=room.pk,
        members=["carol", "dave"],
    )
    assert roles(room) == {"alice": "admin", "bob": "member"}


def test_channels_have_no_member_cap(alice, bob, carol, dave, settings):
    settings.CHAT = {**settings.CHAT, "GROUP_MAX_MEMBERS": 2}
    room = channel(alice)
    services.room_add_members(user=alice, room_id=room.pk, members=["bob", "carol", "dave"])
    assert room.memberships.count() == 4


# --- room_remove_members --------------------------------------------------------------------


def test_room_remove_members_makes_their_sockets_leave_and_tells_the_room(team, bob, carol):
    result, events = published(
        services.room_remove_members, user=bob, room_id=team.pk, members=["carol"]
    )
    assert result == {"room_id": team.pk, "removed": [carol.pk]}
    assert roles(team) == {"alice": "admin", "bob": "admin"}
    assert heads(events) == [
        membership(carol.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
        room_event(team.pk, protocol.ROOM_MEMBERS_REMOVED, "room_id", "user_ids"),
    ]
    assert events[0].layer == {"room_id": team.pk, "joined": False}
    assert events[0].data == {"room_id": team.pk, "reason": "removed"}
    assert events[1].data == {"room_id": team.pk, "user_ids": [carol.pk]}


def test_the_owner_removes_admins(team, alice, bob):
    result, _ = published(
        services.room_remove_members, user=alice, room_id=team.pk, members=["bob"]
    )
    assert result["removed"] == [bob.pk]
    assert roles(team) == {"alice": "admin", "carol": "member"}


@pytest.mark.parametrize(
    ("service", "usernames", "changed"),
    [
        (services.room_add_members, ["bob", "carol"], "added"),  # members already
        # Oneself and non-members are not removed.
        (services.room_remove_members, ["alice", "dave"], "removed"),
    ],
)
def test_changing_no_member_publishes_nothing(team, alice, dave, service, usernames, changed):
    result, events = published(service, user=alice, room_id=team.pk, members=usernames)
    expected = {"room_id": team.pk, changed: []}
    if changed == "added":
        expected["invited"] = 0
    assert (result, events) == (expected, [])
    assert team.memberships.count() == 3


@pytest.mark.parametrize(
    ("actor", "usernames", "error", "detail"),
    [
        ("bob", ["alice"], exceptions.ForbiddenError, OWNER_STAYS),
        ("bob", ["alice", "carol"], exceptions.ForbiddenError, OWNER_STAYS),
        ("carol", ["bob"], exceptions.ForbiddenError, "Only room admins can do this."),
        ("dave", ["carol"], exceptions.RoomNotFoundError, "No such room."),
        ("alice", ["nobody"], exceptions.UserNotFoundError, "No such users: nobody."),
    ],
)  # fmt: skip
def test_room_remove_members_refusals(
    team, alice, bob, carol, dave, actor, usernames, error, detail
):
    users = {"alice": alice, "bob": bob, "carol": carol, "dave": dave}
    raised = refused(
        error, services.room_remove_members, user=users[actor], room_id=team.pk, members=usernames
    )
    assert raised.detail == detail
    assert team.memberships.count() == 3


def test_only_the_owner_removes_admins(team, bob, dave):
    services.room_add_members(user=bob, room_id=team.pk, members=["dave"])
    make_admin(team, dave)
    raised = refused(
        exceptions.ForbiddenError,
        services.room_remove_members,
        user=bob,
        room_id=team.pk,
        members=["dave"],
    )
    assert raised.detail == "Only the room's owner can remove admins."
    assert roles(team)["dave"] == "admin"


# --- set_admins -----------------------------------------------------------------------------


def test_set_admins_makes_exactly_those_the_admins(team, alice):
    members.set_admins(team, ["alice", "carol"], by=alice)
    assert roles(team) == {"alice": "admin", "bob": "member", "carol": "admin"}


@pytest.mark.parametrize(
    ("by", "admins", "error"),
    [
        ("bob", ["alice", "bob"], exceptions.ForbiddenError),  # an admin, not the owner
        ("alice", ["bob"], exceptions.InvalidPayloadError),  # the owner stays an admin
        ("alice", ["alice", "dave"], exceptions.InvalidPayloadError),  # not a member
        ("alice", ["alice", "nobody"], exceptions.UserNotFoundError),
    ],
)
def test_set_admins_refusals(team, alice, bob, dave, by, admins, error):
    with pytest.raises(error):
        members.set_admins(team, admins, by={"alice": alice, "bob": bob}[by])
    assert roles(team) == {"alice": "admin", "bob": "admin", "carol": "member"}


# --- hand_over ------------------------------------------------------------------------------


def test_hand_over_by_the_owner_passes_ownership_to_the_longest_standing_admin(
    alice, bob, carol, dave
):
    room = group(alice, bob, carol, dave)
    make_admin(room, dave)
    make_admin(room, carol)
    members.hand_over(room, alice.pk)
    room.refresh_from_db()
    # carol joined before dave: the longest-standing admin takes over.
    assert room.created_by == carol
    assert roles(room) == {"alice": "admin", "bob": "member", "carol": "admin", "dave": "admin"}


def test_hand_over_without_another_admin_promotes_the_longest_standing_member(alice, bob, carol):
    room = group(alice, bob, carol)
    members.hand_over(room, alice.pk)
    room.refresh_from_db()
    assert room.created_by == bob
    assert roles(room) == {"alice": "admin", "bob": "admin", "carol": "member"}


def test_hand_over_by_another_member_keeps_the_owner(team, alice, carol):
    members.hand_over(team, carol.pk)
    team.refresh_from_db()
    assert team.created_by == alice
    assert roles(team) == {"alice": "admin", "bob": "admin", "carol": "member"}


def test_hand_over_gives_an_ownerless_room_an_owner(team, alice, bob):
    Room.objects.filter(pk=team.pk).update(created_by=None)
    team.refresh_from_db()
    members.hand_over(team, bob.pk)
    team.refresh_from_db()
    assert team.created_by == alice


def test_hand_over_by_the_last_member_changes_nothing(alice):
    room = group(alice)
    members.hand_over(room, alice.pk)
    room.refresh_from_db()
    assert room.created_by == alice


# --- member_cap and users_by_username -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "max_members", "cap"),
    [
        (Room.Kind.DIRECT, None, 2),
        (Room.Kind.GROUP, None, 256),
        (Room.Kind.GROUP, 10, 10),
        (Room.Kind.GROUP, 1000, 256),
        (Room.Kind.CHANNEL, None, 3000),
    ],
)
def test_member_cap(kind, max_members, cap, settings):
    settings.CHAT = {**settings.CHAT, "GROUP_MAX_MEMBERS": 256, "CHANNEL_MAX_MEMBERS": 3000}
    assert members.member_cap(Room(kind=kind, max_members=max_members)) == cap


def test_users_by_username_names_every_unknown_or_inactive_user(alice, bob, carol):
    carol.is_active = False
    carol.save()
    found = users.users_by_username(["alice", "bob"], by=alice)
    assert {u.username for u in found} == {"alice", "bob"}
    with pytest.raises(exceptions.UserNotFoundError) as raised:
        users.users_by_username(["zed", "alice", "carol", "amy"], by=alice)
    assert raised.value.detail == "No such users: amy, carol, zed."
