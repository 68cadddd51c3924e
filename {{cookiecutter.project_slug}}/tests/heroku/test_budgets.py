"""Two web dynos and a restarting third fit Redis mini's 20 clients and essential-0's 20
connections, counted from outside while sockets connect and messages flow.

The app is deployed from app.json's values (WEB_CONCURRENCY, ASGI_THREADS) on add-ons that
enforce their plans' limits (Redis maxclients, PostgreSQL max_connections), scaled to two web
dynos. Then web.1 restarts as Heroku restarts it: the new dyno starts and takes new sockets
while the old one still holds its own, then the old one gets SIGTERM and its clients
reconnect. Threads count Redis's CLIENT LIST and pg_stat_activity every 50 ms throughout.
"""

import asyncio
import json
import re
import shlex
from collections import Counter

import pytest
import websockets

from tests.heroku.deploy import (
    POSTGRES_ESSENTIAL_0_CONNECTIONS,
    REDIS_MINI_CLIENTS,
    deployed,
    essential_postgres,
    mini_redis,
    socket_to,
)
from tests.samplers import postgres_sampler, redis_sampler

pytestmark = [pytest.mark.timeout(240)]

WEB_DYNOS = 2
RESTARTING = 1
REDIS_CLIENTS_PER_PROCESS = 3  # subscriber, publisher, cache (chat/redis_clients.py)
USERS = 8
SOCKETS_PER_USER = 3  # and one more each once the new dyno is up
MESSAGES_PER_SOCKET = 4
REFUSED = re.compile(r"max number of clients|too many clients|remaining connection slots")


def users_and_room(app):
    """In a one-off dyno: the users and their group room; return their tokens and the room."""
    code = f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from chat import services
from chat.auth import token_issue
User = get_user_model()
users = User.objects.bulk_create(
    [User(username=f"u{{i}}", password=make_password(None), is_staff=i == 0)
     for i in range({USERS})]
)  # u0, a site admin, puts everyone into the room without invitations
room = services.room_create(
    user=users[0], kind="group", name="budget", members=[u.username for u in users[1:]]
)
print(json.dumps({{"tokens": [token_issue(u)[0] for u in users], "room": room["room"]["id"]}}))
"""
    result = app.run(f"python manage.py shell -c {shlex.quote(code)}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


async def chat_round(clients, room_id, tag):
    """Every socket sends at once; each must get every reply and every message, once."""
    total = len(clients) * MESSAGES_PER_SOCKET

    async def one(index, client):
        for n in range(MESSAGES_PER_SOCKET):
            await client.send(
                {
                    "event_type": "message.send",
                    "data": {"room_id": room_id, "content": f"{tag}/{index}/{n}"},
                    "request_id": f"{tag}-{index}-{n}",
                }
            )
        replies, contents = 0, []
        while replies < MESSAGES_PER_SOCKET or len(contents) < total:
            envelope = await client.receive(timeout=60)
            if "request_id" in envelope:
                assert envelope["event_type"] == "message.send", envelope
                replies += 1
            elif envelope["event_type"] == "message.new":
                contents.append(envelope["data"]["message"]["content"])
        return contents

    results = await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    expected = sorted(
        f"{tag}/{i}/{n}" for i in range(len(clients)) for n in range(MESSAGES_PER_SOCKET)
    )
    for contents in results:
        assert sorted(c for c in contents if c.startswith(f"{tag}/")) == expected


async def connect_all(app, tokens):
    return list(await asyncio.gather(*(socket_to(app.router, app.host, token=t) for t in tokens)))


def closed(client):
    return client.connection.state is not websockets.protocol.State.OPEN


def test_the_default_formation_fits_the_plans_by_formula():
    """app.json's defaults, by the README's formulas, with one slot left for a one-off dyno."""
    from tests.heroku.deploy import app_json

    env = app_json()["env"]
    processes = (WEB_DYNOS + RESTARTING) * int(env["WEB_CONCURRENCY"]["value"])
    assert processes * REDIS_CLIENTS_PER_PROCESS < REDIS_MINI_CLIENTS
    assert processes * int(env["ASGI_THREADS"]["value"]) < POSTGRES_ESSENTIAL_0_CONNECTIONS


async def two_dynos_then_a_restart(app, tokens, room_id, counts):
    """Chat on two dynos, on three while web.1 restarts, and on two again.

    Return the sample indexes where the overlap began and ended, and the old dyno's status.
    """
    clients = await connect_all(app, tokens * SOCKETS_PER_USER)
    await chat_round(clients, room_id, "two-dynos")

    overlap_start = [len(c.samples) for c in counts]
    old = await asyncio.to_thread(app.start_replacement, 0)
    clients += await connect_all(app, tokens)  # to the new web.1 and to web.2
    await chat_round(clients, room_id, "overlap")
    # A sample of each taken now, with all three dynos' clients connected, ends the overlap.
    taken = [len(c.samples) for c in counts]
    async with asyncio.timeout(30):
        while any(len(c.samples) <= n + 1 for c, n in zip(counts, taken, strict=True)):
            await asyncio.sleep(0.05)
    overlap_end = [len(c.samples) for c in counts]

    old.terminate()
    status = await asyncio.to_thread(old.wait)
    for index, client in enumerate(clients):
        if closed(client):  # it was on the old dyno: reconnect, as the page does
            clients[index] = (await connect_all(app, [tokens[index % USERS]]))[0]
    await chat_round(clients, room_id, "restarted")
    await asyncio.gather(*(client.close() for client in clients))
    return overlap_start, overlap_end, status


def report(app, redis_counts, pg_counts):
    def histogram(samples):
        return dict(sorted(Counter(samples).items()))

    return (
        f"{WEB_DYNOS} web dynos + {RESTARTING} restarting, "
        f"WEB_CONCURRENCY={app.config['WEB_CONCURRENCY']}, "
        f"ASGI_THREADS={app.config['ASGI_THREADS']}: "
        f"Redis clients peak {max(redis_counts.samples, default=0)}/{REDIS_MINI_CLIENTS} "
        f"{histogram(redis_counts.samples)}, PostgreSQL connections peak "
        f"{max(pg_counts.samples, default=0)}/{POSTGRES_ESSENTIAL_0_CONNECTIONS} "
        f"{histogram(pg_counts.samples)}"
    )


async def test_two_dynos_and_a_restart_stay_within_the_plans(tmp_path, slug, capsys):
    redis_server = mini_redis(tmp_path / "kvs")
    postgres = essential_postgres(tmp_path / "pg")
    # Rate limits out of the way (`heroku config:set`): every socket sends in bursts.
    limits = {"CHAT_RATE_LIMIT_PER_SECOND": 1000, "CHAT_RATE_LIMIT_BURST": 1000}
    with redis_server, postgres:
        app = deployed(tmp_path / "app", slug, redis_server, postgres, quantity=WEB_DYNOS, **limits)
        with app:
            assert app.config["WEB_CONCURRENCY"] == "2"
            setup = await asyncio.to_thread(users_and_room, app)
            counts = [redis_sampler(redis_server.url), postgres_sampler(postgres.url)]
            try:
                with counts[0], counts[1]:
                    marks = await two_dynos_then_a_restart(
                        app, setup["tokens"], setup["room"], counts
                    )
            except Exception as error:
                # A slot refused shows as a failed event or a dropped socket: say how full.
                raise AssertionError(f"chat failed: {report(app, *counts)}") from error
            logs = [dyno.log() for dyno in [*app.dynos, *app.retired]]

    with capsys.disabled():
        print(f"\n[heroku budgets] {report(app, *counts)}")
    overlap_start, overlap_end, status = marks
    assert status == 0  # the old dyno drained and exited on SIGTERM, before any SIGKILL
    assert all(len(c.samples) >= 20 for c in counts), "the samplers barely ran"
    # Nothing was refused for lack of a connection slot on either add-on.
    assert not [line for log in logs for line in log.splitlines() if REFUSED.search(line)]
    # The counting connections take one slot of each plan too.
    assert max(counts[0].samples) + 1 <= REDIS_MINI_CLIENTS
    assert max(counts[1].samples) + 1 <= POSTGRES_ESSENTIAL_0_CONNECTIONS
    # While three dynos ran, the new one's processes added their own clients and connections
    # to what two held (Redis clients and pooled connections stay open): the overlap the
    # budgets allow for was really measured.
    for sampler, before, during in zip(counts, overlap_start, overlap_end, strict=True):
        assert max(sampler.samples[before:during]) > max(sampler.samples[:before]), report(
            app, *counts
        )
