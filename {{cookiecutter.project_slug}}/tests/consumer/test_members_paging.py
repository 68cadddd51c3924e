"""A large channel's members travel a page at a time, and its events carry what changed."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from chat.models import Membership
from tests.domain import channel
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]

MEMBERS = 1_000
# A room payload without members is under 1 KiB; a page of 100 members about 5 KiB. A whole
# list of 1,000 was 50 KiB, and grows with the channel.
SUMMARY_BYTES_MAX = 2_048
FIRST_PAGE_BYTES_MAX = 12_288


def big_channel(owner, count):
    """A public channel of ``owner`` and ``count`` other members, stored in two statements."""
    room = channel(owner)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"member{n:05d}", password=make_password(None))
        for n in range(count)
    )
    Membership.objects.bulk_create(Membership(room=room, user=user) for user in users)
    return room


def size(envelope):
    return len(json.dumps(envelope).encode())


async def test_room_update_and_room_updated_stay_small_in_a_large_channel(connect, alice, bob):
    room = await call(big_channel, owner=alice, count=MEMBERS)
    await call(Membership.objects.create, room=room, user=bob)
    a, b = await connect(alice), await connect(bob)
    reply = await a.request("room.update", {"room_id": room.pk, "description": "new topic"})
    assert reply["event_type"] == "room.update", reply
    assert reply["data"]["room"]["description"] == "new topic"
    assert reply["data"]["room"]["member_count"] == MEMBERS + 2
    assert reply["data"]["roles"] == []
    event = await b.until(lambda e: e["event_type"] == "room.updated", timeout=5)
    assert event["data"]["room"]["description"] == "new topic"
    assert "members" not in event["data"]["room"]
    assert size(reply) < SUMMARY_BYTES_MAX and size(event) < SUMMARY_BYTES_MAX
    # A change of admins carries the members whose role changed, and only them.
    reply = await a.request("room.update", {"room_id": room.pk, "admins": ["alice", "bob"]})
    event = await b.until(lambda e: e["event_type"] == "room.updated", timeout=5)
    bob_admin = [{"id": bob.pk, "username": "bob", "role": "admin"}]
    assert reply["data"]["roles"] == event["data"]["roles"] == bob_admin
    assert size(reply) < SUMMARY_BYTES_MAX and size(event) < SUMMARY_BYTES_MAX
    info = await b.request("room.info", {"room_id": room.pk})
    assert info["data"]["room"]["member_count"] == MEMBERS + 2
    assert len(info["data"]["room"]["members"]) == 100
    assert size(info) < FIRST_PAGE_BYTES_MAX


async def test_paging_returns_every_member_once_while_members_join(connect, alice, carol):
    room = await call(big_channel, owner=alice, count=250)
    a = await connect(alice)
    info = (await a.ok("room.info", {"room_id": room.pk}))["room"]
    seen = [member["id"] for member in info["members"]]
    cursor = info["members_cursor"]
    c = await connect(carol)
    await c.ok("room.join", {"room_id": room.pk})  # joins while alice pages
    pages = 1
    while cursor is not None:
        page = await a.ok("room.members", {"room_id": room.pk, "cursor": cursor})
        seen += [member["id"] for member in page["members"]]
        cursor, pages = page["next_cursor"], pages + 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 252
    everyone = await call(lambda: set(room.memberships.values_list("user_id", flat=True)))
    assert set(seen) == everyone
    found = await a.ok("room.members", {"room_id": room.pk, "prefix": "MEMBER0024"})
    assert [m["username"] for m in found["members"]] == [f"member0024{n}" for n in range(10)]
    assert found["member_count"] == 252 and found["next_cursor"] is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"room_id": 999_999}, 4040),
        ({"room_id": "x"}, 4004),
        ({"room_id": 1, "cursor": "abc"}, 4004),
        ({"room_id": 1, "cursor": "9" * 19}, 4004),
        ({"room_id": 1, "cursor": 5}, 4004),
        ({"room_id": 1, "prefix": ""}, 4004),
        ({"room_id": 1, "prefix": "x" * 151}, 4004),
    ],
)
async def test_hostile_member_pages_get_clear_answers(connect, alice, bob, data, code):
    b = await connect(bob)
    private = await call(channel, owner=alice, is_public=False)
    data = {**data, "room_id": private.pk} if data["room_id"] == 1 else data
    reply = await b.request("room.members", data, hostile=True)
    assert reply["event_type"] == "error"
    assert reply["data"]["code"] == code
    assert (await b.ok("room.list"))["rooms"] == []


async def test_a_full_channel_refuses_another_member(connect, alice, bob, carol, settings):
    settings.CHAT = {**settings.CHAT, "CHANNEL_MAX_MEMBERS": 2}
    room = await call(channel, owner=alice)
    b, c = await connect(bob), await connect(carol)
    await b.ok("room.join", {"room_id": room.pk})
    refused = await c.request("room.join", {"room_id": room.pk})
    assert (refused["data"]["code"], refused["data"]["name"]) == (4090, "room_full")
    assert (await c.ok("room.list"))["rooms"] == []
