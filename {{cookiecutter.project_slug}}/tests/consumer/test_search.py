"""message.search through a real socket: permission scoping and hostile input."""

import pytest

from tests.rooms import create_room, say

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_search_over_the_socket_finds_only_the_users_rooms(connect, alice, bob, carol):
    a, c = await connect(alice), await connect(carol)
    shared = await create_room(a, name="A", members=["bob"])
    other = await create_room(c, name="C")
    await say(a, shared, "quarterly numbers attached")
    await say(c, other, "quarterly secrets")
    b = await connect(bob)
    reply = await b.ok("message.search", {"query": "quarterly"})
    assert [r["message"]["content"] for r in reply["results"]] == ["quarterly numbers attached"]
    assert reply["results"][0]["message"]["seq"] == 1
    assert reply["next_cursor"] is None
    refused = await b.request("message.search", {"query": "quarterly", "room_id": other["id"]})
    assert refused["data"]["code"] == 4040
    assert "secrets" not in str(refused)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, 4004),
        ({"query": ""}, 4004),
        ({"query": "   "}, 4004),
        ({"query": "x" * 201}, 4004),
        ({"query": "a\x00b"}, 4004),
        ({"query": "a\ud800"}, 4004),
        ({"query": 5}, 4004),
        ({"query": "x", "limit": 0}, 4004),
        ({"query": "x", "limit": 51}, 4004),
        ({"query": "x", "limit": True}, 4004),
        ({"query": "x", "room_id": 0}, 4004),
        ({"query": "x", "room_id": 2**63}, 4004),
        ({"query": "x", "cursor": "'; DROP TABLE chat_message; --"}, 4004),
        ({"query": "x", "cursor": "9" * 41}, 4004),
        ({"query": "x", "sender": "y" * 151}, 4004),
        ({"query": "x", "page": 2}, 4004),
        ({"query": "x", "room_id": 999_999}, 4040),
        ({"query": "' OR 1=1 --"}, None),
        ({"query": '"unbalanced OR -'}, None),
        ({"query": "x", "sender": "nobody"}, None),
    ],
)
async def test_hostile_search_frames_get_clear_answers(connect, alice, bob, data, code):
    a = await connect(alice)
    room = await create_room(a, name="A", members=["bob"])
    await say(a, room, "kept safe")
    reply = await a.request("message.search", data, hostile=True)
    if code is None:
        # Odd but valid text is a query like any other: it finds nothing, and breaks nothing.
        assert reply["event_type"] == "message.search"
        assert reply["data"]["results"] == []
    else:
        assert reply["event_type"] == "error"
        assert reply["data"]["code"] == code
    found = await a.ok("message.search", {"query": "kept"})
    assert [r["message"]["content"] for r in found["results"]] == ["kept safe"]


async def test_a_users_second_search_at_once_is_refused_and_the_first_answered(connect, alice, bob):
    """One search per user at a time over all their sockets; others' searches go on."""
    import asyncio

    from django.core.cache import cache

    from chat import searching

    a1, a2, b = await connect(alice), await connect(alice), await connect(bob)
    room = await create_room(a1, name="A", members=["bob"])
    await say(a1, room, "findable words")
    slots = searching._slots_here()
    for _ in range(searching.search_threads()):
        await slots.acquire()  # every search slot busy: alice's first search waits for one
    try:
        first = asyncio.create_task(a1.ok("message.search", {"query": "findable"}, timeout=10))
        async with asyncio.timeout(5):
            while cache.get(f"chat:search-lock:{alice.pk}") is None:
                await asyncio.sleep(0.01)
        second = await a2.request("message.search", {"query": "findable"})
        assert second["event_type"] == "error"
        assert second["data"]["code"] == 4028
        assert second["data"]["name"] == "search_busy"
        bobs = asyncio.create_task(b.ok("message.search", {"query": "findable"}, timeout=10))
    finally:
        for _ in range(searching.search_threads()):
            slots.release()
    assert [r["message"]["content"] for r in (await first)["results"]] == ["findable words"]
    assert len((await bobs)["results"]) == 1
    # Once the first is answered, the lock is gone and the other socket may search again.
    again = await a2.ok("message.search", {"query": "findable"})
    assert len(again["results"]) == 1
