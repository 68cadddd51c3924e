"""Memory per idle socket: open idle sockets against one server process, read its RSS growth.

Rooms are created first, a few sockets are opened and closed so that lazily imported code
and pools are in the baseline reading, then VmRSS is read before and after opening the idle
sockets (``/proc/PID/status``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from websockets.protocol import State

from bench.machine import read_rss_kib
from bench.plan import CONNECT_CONCURRENCY, enough


async def _warm_up(target, identities, rooms, sockets):
    warm = [await target.open(identities[i], rooms[0]) for i in range(min(3, sockets))]
    for ws in warm:
        await ws.close()
    await asyncio.sleep(1.0)


async def _open_idle(target, identities, rooms, room_size, failed):
    """Open one socket per identity, ``room_size`` per room; count failures in ``failed``."""
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index):
        async with sem:
            try:
                return await target.open(identities[index], rooms[index // room_size])
            except Exception as exc:
                failed[type(exc).__name__] += 1
                return None

    return [ws for ws in await asyncio.gather(*map(open_one, range(len(identities)))) if ws]


async def measure_memory(target, pid, identities, sockets, *, room_size=10, settle=2.0):
    """Open ``sockets`` idle sockets (``room_size`` per room) and return the server's growth.

    A few sockets are opened and closed first so that lazily imported code and pools are in
    the baseline reading, not in the per-socket figure.
    """
    identities = enough(identities, sockets)[:sockets]
    groups = [identities[i : i + room_size] for i in range(0, sockets, room_size)]
    rooms = await target.setup_rooms(groups)
    await _warm_up(target, identities, rooms, sockets)
    rss_before = read_rss_kib(pid)
    failed = Counter()
    opened = await _open_idle(target, identities, rooms, room_size, failed)
    await asyncio.sleep(settle)
    rss_after = read_rss_kib(pid)
    still_open = sum(ws.state is State.OPEN for ws in opened)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return {
        "mode": "memory",
        "target": target.kind,
        "url": target.url,
        "pid": pid,
        "sockets": sockets,
        "open_sockets": still_open,
        "failed_sockets": dict(failed),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "kib_per_socket": round((rss_after - rss_before) / max(still_open, 1), 1),
    }
