"""chat/permissions.py: who may do what in a room, and the SQL form of who may post."""

import itertools
from types import SimpleNamespace

import pytest
from django.db import connection

from chat import exceptions, permissions
from chat.models import Membership, Message, Room, RoomBan

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER

# The rule, spelled out: admins post everywhere; members except in channels and locked groups.
MAY_POST = {
    (ADMIN, Room.Kind.DIRECT, False): True,
    (ADMIN, Room.Kind.DIRECT, True): True,
    (ADMIN, Room.Kind.GROUP, False): True,
    (ADMIN, Room.Kind.GROUP, True): True,
    (ADMIN, Room.Kind.CHANNEL, False): True,
    (ADMIN, Room.Kind.CHANNEL, True): True,
    (MEMBER, Room.Kind.DIRECT, False): True,
    (MEMBER, Room.Kind.DIRECT, True): False,
    (MEMBER, Room.Kind.GROUP, False): True,
    (MEMBER, Room.Kind.GROUP, True): False,
    (MEMBER, Room.Kind.CHANNEL, False): False,
    (MEMBER, Room.Kind.CHANNEL, True): False,
}
ROOM_SHAPES = list(itertools.product(Room.Kind.values, [False, True]))  # kind, posting_locked
COMBINATIONS = [(role, *shape) for role in Membership.Role.values for shape in ROOM_SHAPES]


def test_the_rule_table_covers_every_combination():
    assert sorted(MAY_POST) == sorted(COMBINATIONS)


@pytest.mark.parametrize(("role", "kind", "posting_locked"), COMBINATIONS)
def test_may_post(role, kind, posting_locked):
    allowed = permissions.may_post(role=role, kind=kind, posting_locked=posting_locked)
    assert allowed is MAY_POST[role, kind, posting_locked]


@pytest.mark.django_db
def test_may_post_sql_agrees_with_may_post_on_the_real_tables(django_user_model):
    """Every combination as real rows; the SQL condition selects exactly those that may post."""
    users = {role: django_user_model.objects.create_user(username=role) for role in (ADMIN, MEMBER)}
    rooms = {}
    for number, (kind, locked) in enumerate(ROOM_SHAPES):
        rooms[kind, locked] = Room.objects.create(
            kind=kind,
            posting_locked=locked,
            direct_key=f"key-{number}" if kind == Room.Kind.DIRECT else None,
        )
    memberships = {
        (role, kind, locked): Membership.objects.create(room=room, user=users[role], role=role)
        for (kind, locked), room in rooms.items()
        for role in (ADMIN, MEMBER)
    }
    room, member = (connection.ops.quote_name(m._meta.db_table) for m in (Room, Membership))
    sql = (
        f"SELECT m.id FROM {room} JOIN {member} m ON m.room_id = {room}.id "
        f"WHERE {permissions.may_post_sql(room, 'm')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, permissions.post_params())
        selected = {row[0] for row in cursor.fetchall()}
    assert len(memberships) == len(COMBINATIONS)
    for combination, membership in memberships.items():
        assert (membership.pk in selected) is MAY_POST[combination], combination


def test_post_params_name_the_values_the_sql_compares_with():
    assert permissions.post_params() == {"admin_role": "admin", "channel_kind": "channel"}


@pytest.mark.parametrize(("kind", "posting_locked"), ROOM_SHAPES)
def test_post_roles_are_the_roles_may_post_allows(kind, posting_locked):
    expected = [role for role in (MEMBER, ADMIN) if MAY_POST[role, kind, posting_locked]]
    room = Room(kind=kind, posting_locked=posting_locked)
    assert permissions.post_roles(room) == expected
    assert permissions.post_roles(room) in (["member", "admin"], ["admin"])


@pytest.mark.parametrize(
    ("role", "kind", "posting_locked", "reason"),
    [
        (MEMBER, Room.Kind.GROUP, False, None),
        (ADMIN, Room.Kind.CHANNEL, False, None),
        (MEMBER, Room.Kind.CHANNEL, False, "Only admins post in a broadcast channel."),
        (MEMBER, Room.Kind.GROUP, True, "Posting in this group is limited to admins."),
    ],
)
def test_why_not_post(role, kind, posting_locked, reason):
    membership = Membership(role=role, room=Room(kind=kind, posting_locked=posting_locked))
    assert permissions.why_not_post(membership) == reason


def test_require_admin():
    permissions.require_admin(Membership(role=ADMIN))
    assert permissions.is_admin(Membership(role=ADMIN))
    assert not permissions.is_admin(Membership(role=MEMBER))
    with pytest.raises(exceptions.ForbiddenError):
        permissions.require_admin(Membership(role=MEMBER))


def test_require_owner():
    room = Room(created_by_id=1)
    permissions.require_owner(room, SimpleNamespace(pk=1), "Owners only.")
    with pytest.raises(exceptions.ForbiddenError) as raised:
        permissions.require_owner(room, SimpleNamespace(pk=2), "Owners only.")
    assert raised.value.detail == "Owners only."


@pytest.mark.parametrize("action", sorted(permissions.DIRECT_REFUSALS))
def test_require_not_direct(action):
    for kind in (Room.Kind.GROUP, Room.Kind.CHANNEL):
        permissions.require_not_direct(Room(kind=kind), action)
    with pytest.raises(exceptions.ForbiddenError) as raised:
        permissions.require_not_direct(Room(kind=Room.Kind.DIRECT), action)
    assert raised.value.detail == permissions.DIRECT_REFUSALS[action]


def test_direct_refusals_name_every_action_direct_rooms_refuse():
    assert set(permissions.DIRECT_REFUSALS) == {"update", "delete", "leave", "change_members"}


@pytest.mark.parametrize(
    ("sender_id", "role", "allowed"),
    [
        (1, MEMBER, True),
        (2, MEMBER, False),
        (2, ADMIN, True),
        (None, ADMIN, True),
        (None, MEMBER, False),
    ],
)
def test_may_delete_message(sender_id, role, allowed):
    message = Message(sender_id=sender_id)
    assert permissions.may_delete_message(message, Membership(user_id=1, role=role)) is allowed


READ_SHAPES = list(itertools.product(Room.Kind.values, [False, True], [False, True], [False, True]))


@pytest.mark.django_db
def test_may_read_q_agrees_with_may_read_on_the_real_tables(django_user_model):
    """Every room shape, membership and ban as real rows; the condition selects exactly the
    rooms may_read() allows, and a ban wins over everything else."""
    reader = django_user_model.objects.create_user(username="reader")
    expected = {}
    for number, (kind, is_public, is_member, is_banned) in enumerate(READ_SHAPES):
        if is_public and kind != Room.Kind.CHANNEL:
            continue  # Only channels can be public (a database constraint).
        room = Room.objects.create(
            kind=kind,
            is_public=is_public,
            direct_key=f"key-{number}" if kind == Room.Kind.DIRECT else None,
        )
        if is_member:
            Membership.objects.create(room=room, user=reader)
        if is_banned:
            RoomBan.objects.create(room=room, user=reader)
        expected[room.pk] = permissions.may_read(
            kind=kind, is_public=is_public, is_member=is_member, is_banned=is_banned
        )
    selected = set(Room.objects.filter(permissions.may_read_q(reader)).values_list("pk", flat=True))
    assert selected == {pk for pk, allowed in expected.items() if allowed}
    assert not any(
        permissions.may_read(kind=kind, is_public=True, is_member=True, is_banned=True)
        for kind in Room.Kind.values
    )
