"""Room authority that other admins cannot subvert, and rooms that always keep a leader."""

import pytest

from chat import exceptions, services
from chat.models import Membership, Room

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def room(alice, bob, carol):
    """alice's group; bob is promoted to admin by her; carol is a member."""
    created = services.room_create(user=alice, kind="group", name="Team", members=["bob", "carol"])[
        "room"
    ]
    services.room_update(user=alice, room_id=created["id"], admins=["alice", "bob"])
    return Room.objects.get(pk=created["id"])


def role(room, user):
    return Membership.objects.get(room=room, user=user).role


def test_a_promoted_admin_cannot_demote_the_owner(room, alice, bob):
    with pytest.raises(exceptions.ForbiddenError):
        services.room_update(user=bob, room_id=room.pk, admins=["bob"])
    assert role(room, alice) == "admin"


def test_a_promoted_admin_cannot_remove_the_owner(room, alice, bob):
    with pytest.raises(exceptions.ForbiddenError):
        services.room_remove_members(user=bob, room_id=room.pk, members=["alice"])
    assert Membership.objects.filter(room=room, user=alice).exists()


def test_the_owner_cannot_drop_herself_from_the_admins(room, alice):
    with pytest.raises(exceptions.InvalidPayloadError):
        services.room_update(user=alice, room_id=room.pk, admins=["bob"])
    assert role(room, alice) == "admin"


def test_the_owner_still_manages_admins(room, alice, bob, carol):
    services.room_update(user=alice, room_id=room.pk, admins=["alice", "carol"])
    assert (role(room, bob), role(room, carol)) == ("member", "admin")
    services.room_remove_members(user=alice, room_id=room.pk, members=["carol"])
    assert not Membership.objects.filter(room=room, user=carol).exists()


def test_when_the_owner_leaves_the_longest_standing_admin_owns_the_room(room, alice, bob):
    services.room_leave(user=alice, room_id=room.pk)
    room.refresh_from_db()
    assert room.created_by == bob
    services.room_update(user=bob, room_id=room.pk, admins=["bob", "carol"])


def test_deleting_the_owner_leaves_a_room_with_an_owner_and_an_admin(alice, bob, carol):
    created = services.room_create(user=alice, kind="group", name="Solo", members=["bob", "carol"])
    room = Room.objects.get(pk=created["room"]["id"])
    alice.delete()
    room.refresh_from_db()
    assert room.created_by == bob
    assert role(room, bob) == "admin"
    assert role(room, carol) == "member"


def test_mute_is_per_member_and_reaches_the_users_own_list(room, alice, bob):
    assert services.room_mute(user=bob, room_id=room.pk, muted=True) == {
        "room_id": room.pk,
        "muted": True,
    }
    assert Membership.objects.get(room=room, user=bob).muted
    assert not Membership.objects.get(room=room, user=alice).muted
    from chat import selectors

    listed = {r["id"]: r["muted"] for r in selectors.room_list(user=bob)["rooms"]}
    assert listed[room.pk] is True


def test_an_outsider_cannot_mute_a_room(room, make_user):
    with pytest.raises(exceptions.RoomNotFoundError):
        services.room_mute(user=make_user("dave"), room_id=room.pk, muted=True)
