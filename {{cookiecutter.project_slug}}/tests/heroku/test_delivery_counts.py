"""Every message of a room reaches every socket in it, counted per socket, across dynos.

The app runs as the budgets test runs it (tests/heroku/test_budgets.py): two web dynos behind
the router, then a third starting as in a restart's overlap; Redis mini over TLS whose other
clients hold every slot the three dynos' budget leaves but one; PostgreSQL essential-0. Six
rooms of ten: half of each room's sockets are open before the rooms get busy, the other half
join while they are, and one more user per room connects, sends one message, waits for it and
leaves, in a loop. Every socket sends at RATE.

Each socket is owed every message of its room after the position its hello gave (the seq of
each known from its send's reply): each must arrive, within ARRIVAL_BOUND seconds of its
send. Counting per socket finds what a check of gaps between received seqs cannot: messages
missing at the head of a socket's stream (before the first it received) or at its tail.
"""

import asyncio
import contextlib
import json
import shlex
import time

import pytest
import redis
import websockets

from tests.heroku.deploy import (
    REDIS_MINI_CLIENTS,
    deployed,
    essential_postgres,
    mini_redis,
    socket_to,
)

pytestmark = [pytest.mark.timeout(240)]

WEB_DYNOS = 2
ROOMS = 6
ROOM_SIZE = 10
RATE = 2.0  # messages per second per socket
SECONDS = 12.0
# Generous: the machine running the suite is shared. A message's own round trip takes
# milliseconds; one that is not there after this long is lost, not late.
ARRIVAL_BOUND = 5.0
# One more user per room connects, sends one message, waits for it and leaves, in a loop.
GROUP = ROOM_SIZE + 1
# Redis clients per web process by the budget (chat/redis_clients.py), two processes per
# dyno (app.json's WEB_CONCURRENCY): other clients hold the plan's slots these leave, but one.
REDIS_CLIENTS_PER_PROCESS = 3
REDIS_FILLERS = REDIS_MINI_CLIENTS - 1 - (WEB_DYNOS + 1) * 2 * REDIS_CLIENTS_PER_PROCESS


def users_and_rooms(app):
    """In a one-off dyno: ROOMS rooms of GROUP users; return tokens and room of each."""
    code = f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from chat import services
from chat.auth import token_issue
User = get_user_model()
users = User.objects.bulk_create(
    [User(username=f"d{{i}}", password=make_password(None), is_staff=i % {GROUP} == 0)
     for i in range({ROOMS * GROUP})]
)
rooms = []
for r in range({ROOMS}):
    members = users[r * {GROUP}:(r + 1) * {GROUP}]
    room = services.room_create(
        user=members[0], kind="group", name=f"r{{r}}", members=[u.username for u in members[1:]]
    )
    rooms += [room["room"]["id"]] * {GROUP}
print(json.dumps({{"tokens": [token_issue(u)[0] for u in users], "rooms": rooms}}))
"""
    result = app.run(f"python manage.py shell -c {shlex.quote(code)}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class Socket:
    """One member's socket: when its hello came, what it sent, what it received and when."""

    def __init__(self, index, room, client):
        self.index = index
        self.room = room
        self.client = client
        self.hello_at = time.monotonic()
        # The room's last seq when the socket's hello was read: later ones are owed live.
        self.position = next(r["last_seq"] for r in client.hello["rooms"] if r["id"] == room)
        self.pending = {}  # request_id -> send time
        self.sent = []  # (seq, send time, reply time) of this socket's accepted messages
        self.errors = []
        self.received = {}  # seq -> arrival time
        self.receives = True  # counted as a receiver (churners are not)

    async def read(self):
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.read_until_closed()

    async def read_until_closed(self):
        async for text in self.client.connection:
            envelope = json.loads(text)
            now = time.monotonic()
            if envelope["event_type"] == "message.new" and "request_id" not in envelope:
                self.received.setdefault(envelope["data"]["message"]["seq"], now)
            elif envelope.get("request_id") in self.pending:
                sent_at = self.pending.pop(envelope["request_id"])
                if envelope["event_type"] == "message.send":
                    self.sent.append((envelope["data"]["message"]["seq"], sent_at, now))
                else:
                    self.errors.append(envelope)

    async def send_one(self, request_id):
        self.pending[request_id] = time.monotonic()
        data = {"room_id": self.room, "content": request_id, "client_msg_id": request_id}
        frame = {"event_type": "message.send", "data": data, "request_id": request_id}
        await self.client.connection.send(json.dumps(frame))

    async def send_steadily(self, start, end):
        number = 0
        next_at = start + (self.index % ROOM_SIZE) / ROOM_SIZE / RATE
        while next_at < end:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await self.send_one(f"s{self.index}-{number}")
            number += 1
            next_at += 1 / RATE


def room_messages(socket, sockets):
    """(seq, send time, reply time) of every message accepted in the socket's room."""
    return sorted(sent for other in sockets if other.room == socket.room for sent in other.sent)


def owed(socket, sockets):
    """(seq, send time) of every message of the socket's room after its hello's position."""
    messages = room_messages(socket, sockets)
    return [(seq, sent_at) for seq, sent_at, _ in messages if seq > socket.position]


def not_owed_but_answered_after_hello(socket, sockets):
    """Messages the hello already counts whose send was answered after the hello came: a
    client that owes a socket what was answered while it was open expects these too."""
    return [
        seq
        for seq, _, replied_at in room_messages(socket, sockets)
        if seq <= socket.position and replied_at >= socket.hello_at
    ]


def shortfalls(sockets):
    """Per receiving socket with any: its owed messages missing or later than ARRIVAL_BOUND,
    each as (seq, seconds from the hello to its send, seconds late or None if missing, where
    in the socket's stream: "head", "gap" or "tail")."""
    found = {}
    for socket in (s for s in sockets if s.receives):
        first, last = min(socket.received, default=0), max(socket.received, default=0)
        for seq, sent_at in owed(socket, sockets):
            arrived = socket.received.get(seq)
            if arrived is not None and arrived - sent_at <= ARRIVAL_BOUND:
                continue
            where = "head" if seq < first else "tail" if seq > last else "gap"
            late = None if arrived is None else round(arrived - sent_at, 2)
            shortfall = (seq, round(sent_at - socket.hello_at, 2), late, where)
            found.setdefault(f"socket {socket.index} room {socket.room}", []).append(shortfall)
    return found


def summary(sockets):
    receivers = [socket for socket in sockets if socket.receives]
    latencies = sorted(
        socket.received[seq] - sent_at
        for socket in receivers
        for seq, sent_at in owed(socket, sockets)
        if seq in socket.received
    )
    before = [(s, not_owed_but_answered_after_hello(s, sockets)) for s in receivers]
    return (
        f"{len(sockets)} sockets ({len(receivers)} receiving), "
        f"{sum(len(owed(s, sockets)) for s in receivers)} deliveries owed, latency ms "
        f"p50 {1000 * latencies[len(latencies) // 2]:.0f} "
        f"p99 {1000 * latencies[len(latencies) * 99 // 100]:.0f} max {1000 * latencies[-1]:.0f}; "
        f"already in the hello but answered after it: {sum(len(b) for _, b in before)}, "
        f"of which received live: {sum(len(set(b) & s.received.keys()) for s, b in before)}"
    )


def all_arrived(sockets):
    return all(
        {seq for seq, _ in owed(socket, sockets)} <= socket.received.keys()
        for socket in sockets
        if socket.receives
    )


def fill_redis(url, count):
    """Open ``count`` clients that hold their slots of the plan (a one-off dyno, a console)."""
    clients = []
    for _ in range(count):
        client = redis.Redis.from_url(url, ssl_cert_reqs=None, single_connection_client=True)
        client.ping()
        clients.append(client)
    return clients


async def open_socket(app, setup, index):
    client = await socket_to(app.router, app.host, token=setup["tokens"][index])
    return Socket(index, setup["rooms"][index], client)


def joins_late(index):
    """The second half of each room joins while the room is busy."""
    return index % GROUP >= ROOM_SIZE // 2


def churns(index):
    return index % GROUP == ROOM_SIZE


async def churn(app, setup, index, sockets, end):
    """Connect, send one message, wait for its echo, close; again until ``end``."""
    number = 0
    while time.monotonic() < end:
        socket = await open_socket(app, setup, index)
        socket.receives = False
        sockets.append(socket)
        reader = asyncio.create_task(socket.read())
        await socket.send_one(f"c{index}-{number}")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ARRIVAL_BOUND):
                while not (socket.errors or (socket.sent and socket.sent[0][0] in socket.received)):
                    await asyncio.sleep(0.02)
        await socket.client.close()
        await reader
        number += 1
        await asyncio.sleep(1 / RATE)


async def join_and_send(app, setup, index, sockets, start, end):
    """Open socket ``index`` at its time unless open, then read and send until ``end``."""
    socket = next((s for s in sockets if s.index == index), None)
    if socket is None:
        offset = (index % GROUP - ROOM_SIZE // 2 + 1) / (ROOM_SIZE // 2 + 1)
        await asyncio.sleep(max(0.0, start + offset * (end - start) * 0.8 - time.monotonic()))
        socket = await open_socket(app, setup, index)
        sockets.append(socket)
    reader = asyncio.create_task(socket.read())
    await socket.send_steadily(max(start, time.monotonic()), end)
    return reader


async def chat_and_count(app, setup, sockets):
    """Send from every socket for SECONDS; wait for every owed message, or the bound."""
    start = time.monotonic() + 2.0
    overlap = asyncio.create_task(asyncio.to_thread(app.start_replacement, 0))
    indexes = range(len(setup["tokens"]))
    readers = await asyncio.gather(
        *(
            join_and_send(app, setup, index, sockets, start, start + SECONDS)
            for index in indexes
            if not churns(index)
        ),
        *(churn(app, setup, index, sockets, start + SECONDS) for index in indexes if churns(index)),
    )
    deadline = time.monotonic() + ARRIVAL_BOUND
    while time.monotonic() < deadline and not (
        all_arrived(sockets) and not any(s.pending for s in sockets)
    ):
        await asyncio.sleep(0.1)
    await asyncio.gather(*(socket.client.close() for socket in sockets))
    await asyncio.gather(*(r for r in readers if r is not None), return_exceptions=True)
    await overlap


async def test_every_socket_gets_every_message_of_its_rooms(tmp_path, slug, capsys):
    redis_server = mini_redis(tmp_path / "kvs")
    postgres = essential_postgres(tmp_path / "pg")
    with redis_server, postgres:
        app = deployed(tmp_path / "app", slug, redis_server, postgres, quantity=WEB_DYNOS)
        with app:
            setup = await asyncio.to_thread(users_and_rooms, app)
            early = [i for i in range(len(setup["tokens"])) if not joins_late(i) and not churns(i)]
            sockets = list(await asyncio.gather(*(open_socket(app, setup, i) for i in early)))
            fillers = await asyncio.to_thread(fill_redis, redis_server.url, REDIS_FILLERS)
            try:
                await chat_and_count(app, setup, sockets)
            finally:
                for client in fillers:
                    client.close()
            logs = "\n".join(dyno.log() for dyno in [*app.dynos, *app.retired])

    missing = shortfalls(sockets)
    with capsys.disabled():
        print(f"\n[delivery counts] {summary(sockets)}")
    assert not [s.errors for s in sockets if s.errors]
    assert not [s.pending for s in sockets if s.pending], "sends left unanswered"
    # (seq, sent s after the hello, late s or None: missing, where in the socket's stream)
    assert not missing, f"{missing}\n{logs[-3000:]}"
