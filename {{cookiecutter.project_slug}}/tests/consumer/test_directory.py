"""user.search through a real socket: the directory of people one may message, and bad input."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import selectors, services
from chat.models import Room

pytestmark = [pytest.mark.django_db(transaction=True)]


def names(reply):
    return [user["username"] for user in reply["users"]]


@pytest.fixture
def people(make_user):
    found = {name: make_user(name) for name in ["Bobby", "bob", "bobcat", "boris", "dora"]}
    gone = make_user("bobgone")
    gone.is_active = False
    gone.save()
    return found


async def test_the_directory_lists_by_prefix_in_any_case_and_only_whom_one_may_message(
    connect, alice, people
):
    a = await connect(alice)
    assert names(await a.ok("user.search", {"prefix": "BO"})) == [
        "bob",
        "Bobby",
        "bobcat",
        "boris",
    ]
    assert names(await a.ok("user.search", {"prefix": "bob", "limit": 2})) == ["bob", "Bobby"]
    assert names(await a.ok("user.search", {"prefix": "ali"})) == []  # never oneself
    # Blocks, both ways: boris blocks alice, alice blocks bobcat.
    await sync_to_async(services.user_block)(user=people["boris"], username="alice")
    await a.ok("user.block", {"username": "bobcat"})
    listed = names(await a.ok("user.search", {"prefix": "bo"}))
    assert listed == ["bob", "Bobby"]
    # Everyone listed is someone alice can start a direct message with.
    for username in listed:
        reply = await a.ok("room.create", {"kind": "direct", "members": [username]})
        assert reply["room"]["kind"] == Room.Kind.DIRECT
    refused = await a.request("room.create", {"kind": "direct", "members": ["boris"]})
    assert refused["data"]["code"] == 4030


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, 4004),
        ({"prefix": ""}, 4004),
        ({"prefix": "   "}, 4004),
        ({"prefix": "x" * 151}, 4004),
        ({"prefix": "b" * 10_000}, 4004),
        ({"prefix": "a\x00b"}, 4004),
        ({"prefix": "a\ud800"}, 4004),
        ({"prefix": 5}, 4004),
        ({"prefix": ["bo"]}, 4004),
        ({"prefix": "bo", "limit": 0}, 4004),
        ({"prefix": "bo", "limit": 21}, 4004),
        ({"prefix": "bo", "limit": True}, 4004),
        ({"prefix": "bo", "offset": 20}, 4004),
        # Wildcards and control characters are letters like any other: they match nobody.
        ({"prefix": "%"}, None),
        ({"prefix": "_"}, None),
        ({"prefix": "b%"}, None),
        ({"prefix": "_ob"}, None),
        ({"prefix": "\x01\x1f\x7f"}, None),
        ({"prefix": "' OR 1=1 --"}, None),
        ({"prefix": "\\"}, None),
    ],
)
async def test_hostile_directory_frames_get_clear_answers(connect, alice, people, data, code):
    a = await connect(alice)
    reply = await a.request("user.search", data, hostile=True)
    if code is None:
        assert reply["event_type"] == "user.search"
        assert reply["data"]["users"] == []
    else:
        assert reply["event_type"] == "error"
        assert reply["data"]["code"] == code
    # The connection survives and still answers.
    assert names(await a.ok("user.search", {"prefix": "dor"})) == ["dora"]


def test_one_query_per_keystroke_whatever_the_number_of_people(alice, make_user):
    for index in range(30):
        make_user(f"bo{index:02}")
    with CaptureQueriesContext(connection) as queries:
        found = selectors.user_search(user=alice, prefix="bo")
    assert len(found["users"]) == 20
    assert len(queries) == 1
    assert "LIKE" in queries[0]["sql"].upper()
    assert get_user_model().objects.count() == 31


# --- presence.users: the presence of people outside the open room ---------------------------


async def test_presence_of_people_is_told_only_for_those_one_shares_a_room_with(
    connect, alice, carol, people
):
    bob = people["bob"]
    a = await connect(alice)
    await a.ok("room.create", {"kind": "direct", "members": ["bob"]})
    await a.ok("room.create", {"kind": "group", "name": "G", "members": ["dora"]})
    await connect(bob)
    dora = people["dora"]
    asked = [bob.pk, carol.pk, dora.pk, alice.pk, 999_999, bob.pk]
    reply = await a.ok("presence.users", {"user_ids": asked})
    # carol shares nothing with alice: left out, as alice herself and an unknown id are.
    assert reply == {"users": [{"id": bob.pk, "online": True}, {"id": dora.pk, "online": False}]}
    c = await connect(carol)
    assert await c.ok("presence.users", {"user_ids": [alice.pk, bob.pk]}) == {"users": []}


@pytest.mark.parametrize(
    "data",
    [{}, {"user_ids": []}, {"user_ids": list(range(1, 102))}, {"user_ids": [0]}, {"user_ids": "1"}],
)
async def test_hostile_presence_frames_get_clear_answers(connect, alice, data):
    a = await connect(alice)
    reply = await a.request("presence.users", data, hostile=True)
    assert reply["event_type"] == "error"
    assert reply["data"]["code"] == 4004
    assert await a.ok("presence.users", {"user_ids": [alice.pk]}) == {"users": []}
