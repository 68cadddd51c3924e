"""Connect storms: how fast many sockets connect, and how long they take to come back.

A deploy or a daily dyno restart closes every socket of a process at once, and every client
reconnects at once. Two measurements, one socket per user, in rooms of ``room_size``:

- **connect**: ``sockets`` clients connect with at most ``in_flight`` handshakes open at a time
  (what a load balancer or a client library's backoff would allow); connects per second from the
  first handshake to the last socket ready (the project's ``session.hello`` received).
- **reconnect**: with all of them open, the server restarts (SIGTERM, then started again); each
  client reconnects as soon as its socket closes, retrying a refused connect every
  ``RETRY_INTERVAL`` seconds; the time from the restart's start until every client is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

from bench.plan import enough

RETRY_INTERVAL = 0.1
OPEN_DEADLINE = 120.0
TIMELINE_STEP = 0.1


async def _open(target, identity, room, sem, failed, ready, *, retry_until=None):
    """Open one socket; with ``retry_until``, retry refused connects until that time.
    ``ready`` collects the moment each socket is ready (the chart's storm over time)."""
    while True:
        async with sem:
            try:
                ws = await target.open(identity, room)
                ready.append(time.monotonic())
                return ws
            except Exception as exc:
                if retry_until is None or time.monotonic() > retry_until:
                    failed[type(exc).__name__] += 1
                    return None
        await asyncio.sleep(RETRY_INTERVAL)


async def _open_all(target, identities, rooms, room_size, in_flight, ready, *, retry=False):
    sem = asyncio.Semaphore(in_flight)
    failed = Counter()
    until = time.monotonic() + OPEN_DEADLINE if retry else None
    started = time.monotonic()
    sockets = await asyncio.gather(
        *(
            _open(
                target, identity, rooms[index // room_size], sem, failed, ready, retry_until=until
            )  # fmt: skip
            for index, identity in enumerate(identities)
        )
    )
    return [ws for ws in sockets if ws is not None], failed, time.monotonic() - started


def timeline(ready, since, step=TIMELINE_STEP):
    """Sockets ready at each ``step`` seconds after ``since``: [[seconds, count], ...]."""
    if not ready:
        return []
    ready = sorted(moment - since for moment in ready)
    points, count = [], 0
    for tick in range(int(ready[-1] / step) + 2):
        while count < len(ready) and ready[count] <= tick * step:
            count += 1
        points.append([round(tick * step, 2), count])
    return points


async def _timed(func):
    started = time.monotonic()
    await asyncio.to_thread(func)
    return time.monotonic() - started


async def _close_all(sockets):
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(20):
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def measure_storm(target, server, identities, sockets, *, room_size, in_flight):
    """Return the connect rate of ``sockets`` clients, then the time all take to come back
    after ``server`` restarts."""
    identities = enough(identities, sockets)[:sockets]
    groups = [identities[i : i + room_size] for i in range(0, sockets, room_size)]
    rooms = await target.setup_rooms(groups)
    ready, started = [], time.monotonic()
    opened, failed, seconds = await _open_all(
        target, identities, rooms, room_size, in_flight, ready
    )
    report = {
        "sockets": sockets,
        "room_size": room_size,
        "in_flight": in_flight,
        "connected": len(opened),
        "connect_seconds": round(seconds, 2),
        "connects_per_second": round(len(opened) / seconds, 1) if seconds else None,
        "connect_failures": dict(failed),
        "connect_timeline": timeline(ready, started),
    }
    restarted, ready = time.monotonic(), []
    await asyncio.to_thread(server.stop)
    stopped = time.monotonic()
    await _close_all(opened)
    starting = asyncio.create_task(_timed(server.start))
    back, failed, _ = await _open_all(
        target, identities, rooms, room_size, in_flight, ready, retry=True
    )
    start_seconds = await starting
    report.update(
        reconnected=len(back),
        reconnect_seconds=round(time.monotonic() - restarted, 2),
        reconnect_failures=dict(failed),
        # What the restart's time is made of: the old server's shutdown, the new one's start
        # (until it answers), the rest is the reconnects themselves.
        stop_seconds=round(stopped - restarted, 2),
        start_seconds=round(start_seconds, 2),
        reconnect_timeline=timeline(ready, restarted),
    )
    await _close_all(back)
    return report
