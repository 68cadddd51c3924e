"""chat/services/rooms.py: creating, changing, joining, leaving, muting and deleting rooms."""

import pytest

from chat import exceptions, permissions, protocol, services
from chat.models import Membership, Message, Room
from chat.services.rooms import check_settings
from tests.domain import channel, direct, group, make_admin, send
from tests.published import heads, membership, published, refused, room_event, user_event

pytestmark = pytest.mark.django_db(transaction=True)

ROOM_KEYS = {
    "id", "kind", "name", "description", "is_public", "posting_locked", "max_members",
    "post_roles", "created_at", "last_seq", "last_rev", "last_activity_at",
}  # fmt: skip
OWN_KEYS = {"role", "muted", "last_read_seq", "unread", "mentions"}
# What a room payload carries about its members where it carries them (chat.selectors.members).
MEMBER_KEYS = {"members", "member_count", "members_cursor"}


def roles(room):
    return dict(room.memberships.values_list("user__username", "role"))


# --- room_create ----------------------------------------------------------------------------


def test_room_create_group_makes_the_creator_its_admin_and_owner(alice, bob):
    result, events = published(
        services.room_create,
        user=alice,
        kind=Room.Kind.GROUP,
        name="  Team ",
        description="d",
        members=["bob", "alice"],
        posting_locked=True,
        max_members=10,
    )
    room = Room.objects.get()
    assert (room.kind, room.name, room.description, room.created_by) == (
        "group",
        "Team",
        "d",
        alice,
    )
    assert (room.posting_locked, room.max_members, room.is_public, room.direct_key) == (
        True, 10, False, None,
    )  # fmt: skip
    assert roles(room) == {"alice": "admin", "bob": "member"}
    assert set(room.memberships.values_list("last_read_seq", flat=True)) == {0}
    assert set(result["room"]) == ROOM_KEYS | OWN_KEYS | MEMBER_KEYS
    assert result["room"]["role"] == "admin"
    assert heads(events) == [
        membership(alice.pk, protocol.ROOM_CREATED, "room"),
        membership(bob.pk, protocol.ROOM_CREATED, "room"),
        room_event(room.pk, protocol.ROOM_MEMBERS_ADDED, "room_id", "members"),
    ]
    assert [e.layer for e in events[:2]] == [{"room_id": room.pk, "joined": True}] * 2
    # The members hear the shared view: no one's own role or read position.
    assert set(events[0].data["room"]) == ROOM_KEYS | MEMBER_KEYS
    assert events[2].data["members"] == [
        {"id": alice.pk, "username": "alice", "role": "admin"},
        {"id": bob.pk, "username": "bob", "role": "member"},
    ]


def test_room_create_public_channel(alice, bob):
    result, events = published(
        services.room_create, user=alice, kind=Room.Kind.CHANNEL, name="News", is_public=True
    )
    room = Room.objects.get()
    assert (room.kind, room.is_public, room.created_by) == ("channel", True, alice)
    assert roles(room) == {"alice": "admin"}
    assert result["room"]["post_roles"] == ["admin"]
    assert heads(events) == [
        membership(alice.pk, protocol.ROOM_CREATED, "room"),
        room_event(room.pk, protocol.ROOM_MEMBERS_ADDED, "room_id", "members"),
    ]


def test_room_create_direct_pairs_two_members_and_is_reused(alice, bob):
    result, events = published(
        services.room_create, user=alice, kind=Room.Kind.DIRECT, members=["bob"]
    )
    room = Room.objects.get()
    assert (room.kind, room.direct_key, room.name) == ("direct", f"{alice.pk}:{bob.pk}", "")
    assert roles(room) == {"alice": "member", "bob": "member"}
    assert heads(events) == [
        membership(alice.pk, protocol.ROOM_CREATED, "room"),
        membership(bob.pk, protocol.ROOM_CREATED, "room"),
        room_event(room.pk, protocol.ROOM_MEMBERS_ADDED, "room_id", "members"),
    ]
    again, events = published(
        services.room_create, user=bob, kind=Room.Kind.DIRECT, members=["alice"]
    )
    assert again["room"]["id"] == result["room"]["id"] == room.pk
    assert Room.objects.count() == 1
    assert events == []


@pytest.mark.parametrize(
    ("kind", "options", "error"),
    [
        (Room.Kind.DIRECT, {"members": ["bob", "carol"]}, exceptions.InvalidPayloadError),
        (Room.Kind.DIRECT, {"members": ["alice"]}, exceptions.InvalidPayloadError),
        (Room.Kind.GROUP, {"members": ["bob", "nobody"]}, exceptions.UserNotFoundError),
        (Room.Kind.GROUP, {"name": "   "}, exceptions.InvalidPayloadError),
        (Room.Kind.GROUP, {"is_public": True}, exceptions.InvalidPayloadError),
        (Room.Kind.CHANNEL, {"posting_locked": True}, exceptions.InvalidPayloadError),
        (
            Room.Kind.GROUP,
            {"members": ["bob", "carol"], "max_members": 2},
            exceptions.RoomFullError,
        ),
    ],
)
def test_room_create_refusals_write_nothing(alice, bob, carol, kind, options, error):
    refused(error, services.room_create, user=alice, kind=kind, **{"name": "T", **options})
    assert not Room.objects.exists()
    assert not Membership.objects.exists()


def test_room_create_caps_groups_at_the_site_limit(alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "GROUP_MAX_MEMBERS": 2}
    error = refused(
        exceptions.RoomFullError,
        services.room_create,
        user=alice,
        kind=Room.Kind.GROUP,
        name="T",
        members=["bob", "carol"],
    )
    assert "2 members" in error.detail
    assert not Room.objects.exists()


# --- check_settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "changes", "member_count", "refusal"),
    [
        (Room.Kind.GROUP, {"posting_locked": True, "max_members": 5, "name": "x"}, 5, None),
        (Room.Kind.CHANNEL, {"is_public": True, "posting_locked": False}, 0, None),
        (Room.Kind.CHANNEL, {"max_members": None}, 0, None),
        (Room.Kind.GROUP, {"is_public": False}, 0, None),
        (Room.Kind.GROUP, {"is_public": True}, 0, "Only channels can be public."),
        (Room.Kind.CHANNEL, {"posting_locked": True}, 0, "posting_locked applies to groups only."),
        (Room.Kind.CHANNEL, {"max_members": 5}, 0, "max_members applies to groups only."),
        (Room.Kind.DIRECT, {"posting_locked": True}, 0, "posting_locked applies to groups only."),
        (Room.Kind.DIRECT, {"is_public": True}, 0, "Only channels can be public."),
        (Room.Kind.GROUP, {"name": " \t"}, 0, "Groups and channels need a name."),
        (Room.Kind.GROUP, {"max_members": 2}, 3, "max_members is below the current member count."),
    ],
)  # fmt: skip
def test_check_settings(kind, changes, member_count, refusal):
    if refusal is None:
        check_settings(kind, changes, member_count=member_count)
        return
    with pytest.raises(exceptions.InvalidPayloadError) as raised:
        check_settings(kind, changes, member_count=member_count)
    assert raised.value.detail == refusal


# --- room_update ----------------------------------------------------------------------------


def test_room_update_changes_settings_and_tells_the_room(alice, bob):
    room = group(alice, bob)
    result, events = published(
        services.room_update, user=alice, room_id=room.pk, name="New", posting_locked=True
    )
    room.refresh_from_db()
    assert (room.name, room.posting_locked) == ("New", True)
    assert heads(events) == [room_event(room.pk, protocol.ROOM_UPDATED, "roles", "room")]
    # Settings changed, nobody's role: no member list, no roles.
    shared = events[0].data["room"]
    assert set(shared) == ROOM_KEYS | {"member_count"}
    assert events[0].data["roles"] == result["roles"] == []
    assert (shared["name"], shared["post_roles"]) == ("New", ["admin"])
    assert result["room"]["role"] == "admin"


def test_room_update_with_admins_sets_them_and_the_room_sees_the_roles(alice, bob, carol):
    room = group(alice, bob, carol)
    result, events = published(
        services.room_update, user=alice, room_id=room.pk, admins=["alice", "carol"]
    )
    assert roles(room) == {"alice": "admin", "bob": "member", "carol": "admin"}
    assert heads(events) == [room_event(room.pk, protocol.ROOM_UPDATED, "roles", "room")]
    # Only the member whose role changed.
    assert events[0].data["roles"] == [{"id": carol.pk, "username": "carol", "role": "admin"}]
    assert "members" not in events[0].data["room"]


def test_room_update_refuses_max_members_below_the_member_count(alice, bob, carol):
    room = group(alice, bob, carol)
    refused(
        exceptions.InvalidPayloadError,
        services.room_update,
        user=alice,
        room_id=room.pk,
        max_members=2,
    )
    room.refresh_from_db()
    assert room.max_members is None


def test_room_update_refuses_members_and_outsiders(alice, bob, carol):
    room = group(alice, bob)
    refused(exceptions.ForbiddenError, services.room_update, user=bob, room_id=room.pk, name="B")
    refused(exceptions.RoomNotFoundError, services.room_update, user=carol, room_id=room.pk)
    room.refresh_from_db()
    assert room.name == "Team"


@pytest.mark.parametrize(
    ("service", "action", "kwargs"),
    [
        (services.room_update, "update", {"name": "x"}),
        (services.room_delete, "delete", {}),
        (services.room_leave, "leave", {}),
        (services.room_add_members, "change_members", {"members": ["carol"]}),
        (services.room_remove_members, "change_members", {"members": ["bob"]}),
    ],
)
def test_direct_rooms_refuse_settings_deletion_leaving_and_member_changes(
    alice, bob, carol, service, action, kwargs
):
    room = direct(alice, bob)
    # Direct participants are members, not admins: even one made an admin (the Django admin
    # can) meets the direct-room refusal.
    Membership.objects.filter(room=room, user=alice).update(role=Membership.Role.ADMIN)
    error = refused(exceptions.ForbiddenError, service, user=alice, room_id=room.pk, **kwargs)
    assert error.detail == permissions.DIRECT_REFUSALS[action]
    assert roles(room) == {"alice": "admin", "bob": "member"}
    assert Room.objects.get(pk=room.pk).name == ""


def test_a_direct_participant_is_no_admin_of_it(alice, bob):
    room = direct(alice, bob)
    for service in (services.room_update, services.room_delete):
        refused(exceptions.ForbiddenError, service, user=alice, room_id=room.pk)
    assert Room.objects.filter(pk=room.pk).exists()


# --- room_delete ----------------------------------------------------------------------------


def test_room_delete_removes_the_room_and_its_history_and_tells_each_member(alice, bob):
    room = group(alice, bob)
    send(bob, room)
    result, events = published(services.room_delete, user=alice, room_id=room.pk)
    assert result == {"room_id": room.pk}
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not Membership.objects.exists()
    assert not Message.objects.exists()
    assert heads(events) == [
        membership(alice.pk, protocol.ROOM_DELETED, "room_id"),
        membership(bob.pk, protocol.ROOM_DELETED, "room_id"),
    ]
    assert [e.layer for e in events] == [{"room_id": room.pk, "joined": False}] * 2
    assert {e.data["room_id"] for e in events} == {room.pk}


def test_room_delete_refuses_members_and_outsiders(alice, bob, carol):
    room = group(alice, bob)
    refused(exceptions.ForbiddenError, services.room_delete, user=bob, room_id=room.pk)
    refused(exceptions.RoomNotFoundError, services.room_delete, user=carol, room_id=room.pk)
    assert roles(Room.objects.get(pk=room.pk)) == {"alice": "admin", "bob": "member"}


# --- room_join ------------------------------------------------------------------------------


def test_room_join_a_public_channel_starts_with_its_history_read(alice, bob):
    room = channel(alice)
    send(alice, room)
    result, events = published(services.room_join, user=bob, room_id=room.pk)
    joined = Membership.objects.get(room=room, user=bob)
    assert (joined.role, joined.last_read_seq) == ("member", 1)
    assert (result["room"]["role"], result["room"]["unread"]) == ("member", 0)
    assert heads(events) == [
        membership(bob.pk, protocol.ROOM_CREATED, "room"),
        room_event(room.pk, protocol.ROOM_MEMBERS_ADDED, "room_id", "members"),
    ]
    assert events[0].layer == {"room_id": room.pk, "joined": True}
    assert events[1].data["members"] == [{"id": bob.pk, "username": "bob", "role": "member"}]


def test_room_join_again_changes_nothing(alice, bob):
    room = channel(alice, bob)
    result, events = published(services.room_join, user=bob, room_id=room.pk)
    assert result["room"]["id"] == room.pk
    assert events == []
    assert room.memberships.count() == 2


def test_room_join_refuses_private_rooms(alice, bob, carol):
    rooms = [group(alice, bob), channel(alice, bob, is_public=False), direct(alice, bob)]
    for room in rooms:
        refused(exceptions.RoomNotFoundError, services.room_join, user=carol, room_id=room.pk)
    assert not Membership.objects.filter(user=carol).exists()


# --- room_leave -----------------------------------------------------------------------------


def test_room_leave_tells_the_leaver_and_the_room(alice, bob):
    room = group(alice, bob)
    result, events = published(services.room_leave, user=bob, room_id=room.pk)
    assert result == {"room_id": room.pk}
    assert roles(room) == {"alice": "admin"}
    assert heads(events) == [
        membership(bob.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
        room_event(room.pk, protocol.ROOM_MEMBERS_REMOVED, "room_id", "user_ids"),
    ]
    assert events[0].layer == {"room_id": room.pk, "joined": False}
    assert events[0].data["reason"] == "left"
    assert events[1].data["user_ids"] == [bob.pk]


def test_room_leave_by_the_owner_hands_the_room_to_the_longest_standing_admin(
    alice, bob, carol, make_user
):
    room = group(alice, bob, carol, make_user("dave"))
    make_admin(room, carol)
    published(services.room_leave, user=alice, room_id=room.pk)
    room.refresh_from_db()
    assert room.created_by == carol
    assert roles(room) == {"bob": "member", "carol": "admin", "dave": "member"}


def test_room_leave_by_the_last_admin_promotes_the_longest_standing_member(alice, bob, carol):
    room = group(alice, bob, carol)
    _, events = published(services.room_leave, user=alice, room_id=room.pk)
    room.refresh_from_db()
    assert room.created_by == bob
    assert roles(room) == {"bob": "admin", "carol": "member"}
    # The room hears of its new admin at once, then of the leaver (counted out after).
    assert heads(events) == [
        room_event(room.pk, protocol.ROOM_UPDATED, "room", "roles"),
        membership(alice.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
        room_event(room.pk, protocol.ROOM_MEMBERS_REMOVED, "room_id", "user_ids"),
    ]
    promoted = events[0].data
    assert [(m["username"], m["role"]) for m in promoted["roles"]] == [("bob", "admin")]
    assert promoted["room"]["member_count"] == 3


def test_room_leave_by_the_last_member_deletes_the_room(alice):
    room = group(alice)
    _, events = published(services.room_leave, user=alice, room_id=room.pk)
    assert not Room.objects.filter(pk=room.pk).exists()
    assert heads(events) == [
        membership(alice.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
        room_event(room.pk, protocol.ROOM_MEMBERS_REMOVED, "room_id", "user_ids"),
    ]


def test_room_leave_refuses_outsiders(alice, carol):
    room = group(alice)
    refused(exceptions.RoomNotFoundError, services.room_leave, user=carol, room_id=room.pk)
    assert roles(room) == {"alice": "admin"}


# --- rooms_forget_user ----------------------------------------------------------------------

# room.members_removed after an account's deletion: its rooms show its messages as a deleted
# user's from then on.
DELETED_KEYS = ("accounts_deleted", "room_id", "user_ids")


def test_rooms_forget_user_hands_over_groups_and_channels_and_announces_every_room(
    alice, bob, carol
):
    team, news = group(alice, bob), channel(alice, carol)
    pair = direct(alice, bob)
    result, events = published(services.rooms_forget_user, user=alice)
    assert result is None
    team.refresh_from_db()
    news.refresh_from_db()
    assert (team.created_by, news.created_by) == (bob, carol)
    assert roles(team) == {"alice": "admin", "bob": "admin"}  # alice's rows go with her
    assert roles(pair) == {"alice": "member", "bob": "member"}
    assert sorted(heads(events)) == sorted(
        [
            # bob and carol were promoted: their rooms hear of their new admins at once.
            room_event(team.pk, protocol.ROOM_UPDATED, "room", "roles"),
            membership(alice.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
            room_event(team.pk, protocol.ROOM_MEMBERS_REMOVED, *DELETED_KEYS),
            room_event(news.pk, protocol.ROOM_UPDATED, "room", "roles"),
            membership(alice.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
            room_event(news.pk, protocol.ROOM_MEMBERS_REMOVED, *DELETED_KEYS),
            # The direct room stays bob's, who hears that her account is gone.
            membership(alice.pk, protocol.ROOM_REMOVED, "room_id", "reason"),
            room_event(pair.pk, protocol.ROOM_MEMBERS_REMOVED, *DELETED_KEYS),
        ]
    )
    assert {e.data["reason"] for e in events if e.event_type == protocol.ROOM_REMOVED} == {
        "deleted"
    }
    removed = [e for e in events if e.event_type == protocol.ROOM_REMOVED]
    assert sorted(e.layer["room_id"] for e in removed) == sorted([team.pk, news.pk, pair.pk])


# --- room_mute ------------------------------------------------------------------------------


def test_room_mute_tells_the_users_own_sockets_once(alice, bob):
    room = direct(alice, bob)
    result, events = published(services.room_mute, user=bob, room_id=room.pk, muted=True)
    assert result == {"room_id": room.pk, "muted": True}
    assert dict(room.memberships.values_list("user__username", "muted")) == {
        "alice": False,
        "bob": True,
    }
    assert heads(events) == [user_event(bob.pk, protocol.ROOM_MUTED, "room_id", "muted")]
    assert events[0].data == {"room_id": room.pk, "muted": True}
    again, events = published(services.room_mute, user=bob, room_id=room.pk, muted=True)
    assert (again, events) == (result, [])


def test_room_mute_refuses_outsiders(alice, bob, carol):
    room = group(alice, bob)
    refused(
        exceptions.RoomNotFoundError, services.room_mute, user=carol, room_id=room.pk, muted=True
    )
    assert not room.memberships.filter(muted=True).exists()
