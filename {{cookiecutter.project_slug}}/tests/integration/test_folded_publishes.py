"""A busy room's events share publishes (chat.publisher), end to end.

Two Uvicorn processes on one PostgreSQL and one Redis, the sockets of test_batched_sends
writing all their sends at once into three shared rooms. The events that wait behind one
publish go out as one BATCH, which the other process unfolds (chat.fanout): Redis counts
fewer PUBLISH commands than messages, and every socket still sees every other member's
message of each room live, once each.
"""

import asyncio

import redis

from tests.integration.test_batched_sends import USERS, connect, send_all, two_processes

__all__ = ["two_processes"]  # the fixture, shared

ROOMS = ["A", "B", "C"]


def publishes(url):
    stats = redis.Redis.from_url(url).info("commandstats")
    return stats.get("cmdstat_publish", {}).get("calls", 0)


async def live_messages(client, wanted):
    """The seqs of the message.new events (not answers) the socket gets, per room, until it
    has every seq of ``wanted`` (room -> seqs)."""
    seen = {room_id: [] for room_id in wanted}
    while any(not set(seen[room_id]) >= seqs for room_id, seqs in wanted.items()):
        envelope = await client.until(
            lambda e: e["event_type"] == "message.new" and "request_id" not in e, timeout=30
        )
        message = envelope["data"]["message"]
        seen[message["room_id"]].append(message["seq"])
    return seen


async def test_a_burst_takes_fewer_publishes_than_messages_and_loses_nothing(
    two_processes, redis_server
):
    one, two, _ = two_processes
    clients = [await connect(one if i % 2 else two, name) for i, name in enumerate(USERS)]
    rooms = []
    for name in ROOMS:
        data = {"kind": "group", "name": name, "members": USERS[1:]}
        rooms.append((await clients[0].ok("room.create", data))["room"]["id"])
    for client in clients[1:]:
        for _ in rooms:
            await client.expect("room.created", timeout=10)
    before = publishes(redis_server.url)

    sent = await asyncio.gather(
        *(send_all(c, n, rooms) for c, n in zip(clients, USERS, strict=True))
    )
    total = sum(map(len, sent))
    seqs = {room_id: set() for room_id in rooms}
    mine = {username: {room_id: set() for room_id in rooms} for username in USERS}
    for username, pairs in zip(USERS, sent, strict=True):
        for (room_id, _), message in pairs:
            seqs[room_id].add(message["seq"])
            mine[username][room_id].add(message["seq"])
    # Each socket hears every other member's message live (its own, it may or may not).
    heard = await asyncio.gather(
        *(
            live_messages(client, {r: seqs[r] - mine[name][r] for r in rooms})
            for client, name in zip(clients, USERS, strict=True)
        )
    )
    for username, seen in zip(USERS, heard, strict=True):
        for room_id, got in seen.items():
            # Once each. (Two processes publish a room's messages, so seq 9 stored by one may
            # arrive before seq 8 stored by the other: clients order by seq.)
            assert len(got) == len(set(got)), (username, room_id)
    published = publishes(redis_server.url) - before
    # One publish per message without folding; how many fold depends on what waits (a
    # quiet machine folds about one in six here, a loaded one more).
    assert published < total, (published, total)
    await asyncio.gather(*(client.close() for client in clients))
