"""Which usernames exist cannot be listed through the events that name users.

room.add_members takes a hundred names a request; each answer naming the unknown ones would
sort a hundred guesses. Unknown names are counted per user, as failed logins are, and past
the limit every event naming users answers 4029 and names nobody. Through real sockets, the
count in the real Redis cache the project runs on.
"""

import uuid

import pytest

from chat.models import Membership
from tests.helpers import call

pytestmark = [pytest.mark.django_db(transaction=True)]

LIMIT = 5


@pytest.fixture(autouse=True)
def small_budget(settings, redis_server):
    from config.settings import redis_cache

    settings.CACHES = {"default": redis_cache(redis_server.url, prefix=f"t{uuid.uuid4().hex[:8]}")}
    settings.CHAT = {**settings.CHAT, "UNKNOWN_USERNAMES_LIMIT": LIMIT}


async def own_channel(client):
    data = {"kind": "channel", "name": "Mine", "members": []}
    return (await client.ok("room.create", data))["room"]


async def members_of(room):
    query = Membership.objects.filter(room_id=room["id"]).values_list("user__username", flat=True)
    return sorted(await call(lambda: list(query)))


async def test_a_hundred_guesses_learn_nothing_and_lock_the_lookups(connect, alice, bob, carol):
    a = await connect(alice)
    room = await own_channel(a)
    guesses = [f"guess{number}" for number in range(98)] + ["bob", "carol"]

    refused = await a.request("room.add_members", {"room_id": room["id"], "members": guesses})
    assert refused["data"]["code"] == 4029
    for name in ("guess0", "bob", "carol"):
        assert name not in refused["data"]["detail"]
    assert await members_of(room) == ["alice"]
    # Locked: a request naming only users who exist is answered the same, so halving the
    # guesses tells nothing either; other events naming users too, from any socket.
    again = await connect(alice)
    for event_type, data in [
        ("room.add_members", {"room_id": room["id"], "members": ["bob"]}),
        ("room.create", {"kind": "group", "name": "G", "members": ["carol"]}),
        ("user.block", {"username": "bob"}),
    ]:
        reply = await again.request(event_type, data)
        assert reply["data"]["code"] == 4029, event_type
    assert await members_of(room) == ["alice"]
    await a.ok("session.heartbeat")


async def test_a_typo_is_named_and_costs_one_of_the_limit(connect, alice, bob, carol):
    a = await connect(alice)
    room = await own_channel(a)
    for _ in range(LIMIT - 1):
        refused = await a.request("room.add_members", {"room_id": room["id"], "members": ["bbo"]})
        assert refused["data"]["code"] == 4042
        assert refused["data"]["detail"] == "No such users: bbo."
    added = await a.ok("room.add_members", {"room_id": room["id"], "members": ["bob"]})
    assert [m["username"] for m in added["added"]] == ["bob"]
    # The last unknown name the limit allows is still named; then lookups are locked.
    refused = await a.request("room.add_members", {"room_id": room["id"], "members": ["crol"]})
    assert refused["data"]["detail"] == "No such users: crol."
    refused = await a.request("room.add_members", {"room_id": room["id"], "members": ["carol"]})
    assert refused["data"]["code"] == 4029
    assert await members_of(room) == ["alice", "bob"]
