"""One load run: connect the members, send at the plan's rate while others churn, count.

What each receiving socket tells (``bench.report`` adds it up):

- deliveries: message events received by the member sockets (sender's own copy included);
- latency: receipt time minus the send time in the content (one process, one clock);
- gaps: on a live connection, numbers missing between the first and the last one it received
  (the room's ``seq`` for the project; each sender's counter for the tutorial baseline);
- duplicates: a seq (project) or a sender's counter (tutorial) received twice on one socket;
- lost: deliveries owed to a member socket and never received by the end of the grace period;
- errors: error frames, refused connections, unexpected closes, churners missing their echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
import uuid
from collections import Counter, defaultdict

import websockets

from bench.machine import CpuMeter
from bench.plan import (
    CHURN_ECHO_TIMEOUT,
    CONNECT_CONCURRENCY,
    Conn,
    content_for,
    enough,
    parse_content,
    room_groups,
    spread_phases,
)
from bench.report import run_report
from bench.targets import DELIVERY, ERROR, OPEN_TIMEOUT


class LoadRun:
    """Connect the members, send for plan.duration seconds, wait for stragglers, report."""

    def __init__(self, target, plan, identities, rooms, watch=None):
        self.target = target
        self.watch = watch or {}  # label -> pid whose process tree's CPU is reported
        self.plan = plan
        self.rooms = rooms
        self.members = [
            Conn(sender=r * plan.members + m, room=r, identity=identities[r * plan.members + m])
            for r in range(plan.rooms)
            for m in range(plan.members)
        ]
        base = plan.member_sockets
        self.churners = [
            Conn(sender=base + k, room=plan.room_of_churner(k), identity=identities[base + k])
            for k in range(plan.churners)
        ]
        self.expected = defaultdict(set)  # room -> {(sender, counter)}
        self.expected_count = Counter()  # room -> messages owed to each member of the room
        self.live_members = Counter()  # room -> connected member sockets
        self.withdrawn = set()  # refused by the server or never sent
        # Request ids double as client_msg_id, which the project deduplicates per sender and
        # room: they must not repeat across runs, whose counters all start at 0.
        self.run_id = uuid.uuid4().hex[:10]
        self.errors = Counter()
        self.latencies = []
        self.deliveries = 0
        self.sent = 0
        self.member_sent = 0
        self.churn_cycles = 0
        self.closing = False
        self.latency_from = math.inf
        self.last_delivery = None

    # Sending -----------------------------------------------------------------------------------

    async def _send(self, conn, ws):
        counter = conn.counter
        conn.counter += 1
        key = (conn.sender, counter)
        request_id = self._request_id(conn.sender, counter)
        frame = self.target.send_frame(
            self.rooms[conn.room], content_for(conn.sender, counter, self.plan.size), request_id
        )
        self.expected[conn.room].add(key)
        self.expected_count[conn.room] += 1
        try:
            await ws.send(frame)
        except websockets.ConnectionClosed:
            self._withdraw(key, conn.room)
            self.errors["send_on_closed_socket"] += 1
            raise
        self.sent += 1
        return key

    def _request_id(self, sender, counter):
        return f"m{self.run_id}-{sender}-{counter}"

    def _withdraw(self, key, room):
        if key not in self.withdrawn and key in self.expected[room]:
            self.withdrawn.add(key)
            self.expected_count[room] -= 1

    async def _send_loop(self, conn, phase):
        """Send every 1/rate seconds from t0 + phase x 1/rate, until t_end."""
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.plan.rate
        next_at = self.t0 + phase * interval
        while next_at < self.t_end and not conn.closed_early:
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self._send(conn, conn.ws)
            except websockets.ConnectionClosed:
                return
            self.member_sent += 1
            next_at += interval

    async def _churn_loop(self, churner):
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.plan.churn_rate
        next_at = self.t0 + random.random() * interval
        while next_at < self.t_end:
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._churn_once(churner)
            next_at = max(next_at + interval, loop.time())

    async def _churn_once(self, churner):
        room = self.rooms[churner.room]
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                ws = await self.target.open(churner.identity, room)
        except Exception as exc:
            self.errors[f"churn_connect_{type(exc).__name__}"] += 1
            return
        try:
            sender, counter = await self._send(churner, ws)
            mine = f"{sender}:{counter}:"
            request_id = self._request_id(sender, counter)
            async with asyncio.timeout(CHURN_ECHO_TIMEOUT):
                async for text in ws:
                    event = self.target.parse(text)
                    if event is None:
                        continue
                    if event[0] == DELIVERY and event[2].startswith(mine):
                        break
                    if event[0] == ERROR and event[3] == request_id:
                        self._withdraw((sender, counter), churner.room)
                        self.errors[f"server_{event[2]}"] += 1
                        break
            self.churn_cycles += 1
        except TimeoutError:
            self.errors["churn_no_echo"] += 1
        except websockets.ConnectionClosed:
            self.errors["churn_closed_by_server"] += 1
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(3):
                    await ws.close()

    # Receiving ---------------------------------------------------------------------------------

    async def _read(self, conn):
        parse = self.target.parse
        try:
            async for text in conn.ws:
                event = parse(text)
                if event is None:
                    continue
                if event[0] == DELIVERY:
                    self._deliver(conn, event[1], event[2])
                else:
                    self._server_error(conn, event[2], event[3])
        except websockets.ConnectionClosed:
            pass
        except Exception as exc:  # a frame this tool cannot read is an error, not a crash
            self.errors[f"bad_frame_{type(exc).__name__}"] += 1
        if not self.closing:
            conn.closed_early = True
            code = conn.ws.close_code
            self.errors[f"closed_by_server_{code}"] += 1

    def _deliver(self, conn, seq, content):
        now = time.time()
        sender, counter, sent_at = parse_content(content)
        if not conn.record(seq, sender, counter):
            return
        self.deliveries += 1
        self.last_delivery = now
        if sent_at >= self.latency_from:
            self.latencies.append(now - sent_at)

    def _server_error(self, conn, name, request_id):
        self.errors[f"server_{name}"] += 1
        prefix = f"m{self.run_id}-"
        if isinstance(request_id, str) and request_id.startswith(prefix):
            sender, _, counter = request_id[len(prefix) :].partition("-")
            with contextlib.suppress(ValueError):
                self._withdraw((int(sender), int(counter)), conn.room)

    # The run -----------------------------------------------------------------------------------

    def owed(self):
        """Deliveries owed so far: each room's messages times its connected members."""
        return sum(self.expected_count[room] * n for room, n in self.live_members.items())

    async def _connect(self, conn, sem):
        async with sem:
            try:
                conn.ws = await self.target.open(conn.identity, self.rooms[conn.room])
            except Exception as exc:
                self.errors[f"connect_{type(exc).__name__}"] += 1

    async def _connect_members(self):
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
        await asyncio.gather(*(self._connect(conn, sem) for conn in self.members))
        connected = [conn for conn in self.members if conn.ws is not None]
        for conn in connected:
            self.live_members[conn.room] += 1
        return connected

    async def _send_all(self, connected):
        await asyncio.gather(
            *(
                self._send_loop(conn, phase)
                for conn, phase in zip(connected, spread_phases(len(connected)), strict=True)
            ),
            *(self._churn_loop(churner) for churner in self.churners),
        )

    async def _close(self, connected, readers):
        self.closing = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.gather(*(c.ws.close() for c in connected), return_exceptions=True)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    async def run(self):
        plan = self.plan
        loop = asyncio.get_running_loop()
        connected = await self._connect_members()
        readers = [asyncio.create_task(self._read(conn)) for conn in connected]
        self.t0 = loop.time() + 0.2
        self.t_end = self.t0 + plan.duration
        wall_start = time.time() + 0.2
        self.latency_from = wall_start + plan.warmup
        cpu = CpuMeter(self.watch)
        await self._send_all(connected)
        deadline = loop.time() + plan.grace
        while loop.time() < deadline and self.deliveries < self.owed():
            await asyncio.sleep(0.05)
        wall_end = max(self.last_delivery or 0.0, wall_start + plan.duration)
        self.cpu_percent = cpu.percent(wall_start)
        await self._close(connected, readers)
        return run_report(self, connected, wall_end - wall_start)


async def run_load(target, plan, identities, rooms=None, watch=None):
    """Run one load level; create the rooms first unless ``rooms`` is given."""
    identities = enough(identities, plan.identities)
    if rooms is None:
        rooms = await target.setup_rooms(room_groups(plan, identities))
    return await LoadRun(target, plan, identities, rooms, watch).run()


def run_async(coro, *, use_uvloop=True):
    """asyncio.run, on uvloop when it is installed (it is a project dependency)."""
    if use_uvloop:
        with contextlib.suppress(ImportError):
            import uvloop

            return asyncio.run(coro, loop_factory=uvloop.new_event_loop)
    return asyncio.run(coro)
