"""chat/services/onboarding.py: the default channels, and every new account joining them."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from chat import services
from chat.models import Membership, Room, RoomBan
from tests.domain import group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def defaults(settings):
    settings.CHAT = {**settings.CHAT, "DEFAULT_ROOMS": ["general", "random"]}
    return settings.CHAT["DEFAULT_ROOMS"]


def rooms_of(user):
    return sorted(
        Membership.objects.filter(user=user).values_list("room__name", "role", "room__kind")
    )


def test_the_migration_makes_public_channels_without_an_owner_on_a_new_site(defaults):
    migration = importlib.import_module("chat.migrations.0010_default_rooms")
    migration.create_default_rooms(apps, None)
    migration.create_default_rooms(apps, None)  # idempotent
    rooms = Room.objects.order_by("name")
    assert [(r.name, r.kind, r.is_public, r.created_by_id) for r in rooms] == [
        ("general", "channel", True, None),
        ("random", "channel", True, None),
    ]
    assert not Membership.objects.exists()


def test_every_new_user_joins_them_once_and_the_first_superuser_owns_them(defaults):
    services.create_default_rooms()
    user_model = get_user_model()
    dan = user_model.objects.create_user(username="dan", password="pw")
    root = user_model.objects.create_superuser(username="root", password="pw")
    eve = user_model.objects.create_user(username="eve", password="pw")
    assert rooms_of(dan) == [("general", "member", "channel"), ("random", "member", "channel")]
    assert rooms_of(root) == [("general", "admin", "channel"), ("random", "admin", "channel")]
    assert set(Room.objects.values_list("created_by", flat=True)) == {root.pk}
    assert services.join_default_rooms(eve) == []  # already in them: nothing changes
    assert Membership.objects.filter(user=eve).count() == 2
    assert user_model.objects.create_superuser(username="root2", password="pw")
    assert set(Room.objects.values_list("created_by", flat=True)) == {root.pk}


def test_a_site_with_a_superuser_gets_channels_it_owns(defaults, make_user):
    root = get_user_model().objects.create_superuser(username="root", password="pw")
    assert services.create_default_rooms() == ["general", "random"]
    assert rooms_of(root) == [("general", "admin", "channel"), ("random", "admin", "channel")]
    assert services.create_default_rooms() == []


def test_a_full_or_banning_channel_is_left_out_and_the_account_still_made(
    defaults, settings, alice
):
    services.create_default_rooms()
    general = Room.objects.get(name="general")
    RoomBan.objects.create(room=general, user=alice)
    Membership.objects.filter(user=alice).delete()
    assert [m.room.name for m in services.join_default_rooms(alice)] == ["random"]
    settings.CHAT = {**settings.CHAT, "CHANNEL_MAX_MEMBERS": 1}
    bob = get_user_model().objects.create_user(username="bob", password="pw")
    assert rooms_of(bob) == [("general", "member", "channel")]


def test_the_command_makes_new_default_rooms_and_can_add_everyone(defaults, alice, capsys):
    inactive = get_user_model().objects.create_user(username="gone", is_active=False)
    call_command("create_default_rooms", "--join-everyone")
    out = capsys.readouterr().out
    assert "Created 2 default room(s): general, random" in out
    assert "Added 2 membership(s)." in out  # alice in both; the inactive user in none
    assert rooms_of(alice) == [("general", "member", "channel"), ("random", "member", "channel")]
    assert rooms_of(inactive) == []


def test_a_new_users_first_page_opens_the_first_default_room(defaults, alice, bob):
    services.create_default_rooms()
    carol = get_user_model().objects.create_user(username="carol", password="pw")
    general = Room.objects.get(name="general")
    assert services.home_room_id(carol) == general.pk
    group(carol, bob)
    assert services.home_room_id(carol) is None  # in a conversation of her own: her choice
    assert services.home_room_id(alice) is None  # made before the default rooms: in none


def test_no_default_rooms_join_nobody(settings, alice):
    settings.CHAT = {**settings.CHAT, "DEFAULT_ROOMS": []}
    assert services.create_default_rooms() == []
    assert services.join_default_rooms(alice) == []
