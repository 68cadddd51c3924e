"""Drive a running chat server over real WebSockets and measure what arrives.

N rooms x M member sockets each send numbered messages at a fixed rate; K churning clients
connect, send one message, wait for its echo and disconnect, in a loop (the connect/disconnect
churn of django/channels#1683). Every message's content is ``<sender id>:<counter>:<send
time>:<padding>``, so each receiving socket can tell latency, duplicates, gaps and losses:

- deliveries: message events received by the member sockets (sender's own copy included);
- latency: receipt time minus the send time in the content (one process, one clock);
- gaps: on a live connection, numbers missing between the first and the last one it received
  (the room's ``seq`` for the project; each sender's counter for the tutorial baseline);
- duplicates: a seq (project) or a sender's counter (tutorial) received twice on one socket;
- lost: deliveries owed to a member socket and never received by the end of the grace period;
- errors: error frames, refused connections, unexpected closes, churners missing their echo.

Targets: ``project`` speaks this chat's protocol (token auth, session.hello, room.create,
message.send / message.new); ``tutorial`` speaks the Channels tutorial's (one room per URL,
``{"message": text}`` both ways, no seq). Modes:

    python -m bench.load provision --prefix load --count 104 --out tokens.json   # project env
    python -m bench.load run    --target project --url http://127.0.0.1:8000 --tokens tokens.json
    python -m bench.load ladder --target tutorial --url http://127.0.0.1:8001 --rates 1,2,4
    python -m bench.load memory --target project --url ... --tokens idle.json --pid 1234

``ladder`` raises the per-socket rate step by step until a step fails (p99 above the limit, or
any loss, gap, duplicate or error, or the clients could not send at the planned rate) and
reports the last passing step as the sustained level. ``memory`` opens idle sockets against a
single server process and reports its RSS growth per socket (VmRSS in /proc/PID/status).
Every mode prints a table and, with ``--json PATH``, writes the report (keys in REPORT_KEYS,
LADDER_KEYS and MEMORY_KEYS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import sys
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import websockets
from websockets.protocol import State

# Keys of the JSON reports; the smoke test and bench.run rely on them.
REPORT_KEYS = (
    "mode",
    "target",
    "url",
    "plan",
    "sockets",
    "sent",
    "send_rate",
    "target_send_rate",
    "expected_deliveries",
    "deliveries",
    "deliveries_per_second",
    "target_deliveries_per_second",
    "latency_ms",
    "gaps",
    "duplicates",
    "out_of_order",
    "lost",
    "errors",
    "error_kinds",
    "churn_cycles",
    "duration_s",
    "client_cpu_percent",
    "cpu_percent",
)
LATENCY_KEYS = ("p50", "p90", "p99", "max", "count")
LADDER_KEYS = (
    "mode",
    "target",
    "url",
    "plan",
    "p99_limit_ms",
    "steps",
    "sustained",
    "stop_reason",
)
MEMORY_KEYS = (
    "mode",
    "target",
    "url",
    "pid",
    "sockets",
    "open_sockets",
    "failed_sockets",
    "rss_before_kib",
    "rss_after_kib",
    "kib_per_socket",
)

# Per-socket send rates of a ladder: with 10 rooms x 10 members, 125 to 16,000 deliveries/s.
DEFAULT_RATES = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]

DELIVERY = "delivery"
ERROR = "error"
CONNECT_CONCURRENCY = 16
CHURN_ECHO_TIMEOUT = 3.0
OPEN_TIMEOUT = 10.0


@dataclass(frozen=True)
class Plan:
    """One load level: the shape of the rooms and how fast everyone sends."""

    rooms: int = 10
    members: int = 10
    rate: float = 1.0  # messages per second from each member socket
    churners: int = 4
    churn_rate: float = 4.0  # connect/send/disconnect cycles per second per churner
    duration: float = 5.0  # seconds of sending
    warmup: float = 1.0  # seconds at the start whose latencies are not counted
    grace: float = 3.0  # seconds to wait for stragglers after the last send
    size: int = 64  # characters of message content

    @property
    def member_sockets(self):
        return self.rooms * self.members

    @property
    def identities(self):
        """Users (project) needed: one per member socket and one per churner."""
        return self.member_sockets + self.churners

    def room_of_churner(self, index):
        return index % self.rooms


def content_for(sender, counter, size):
    text = f"{sender}:{counter}:{time.time():.6f}:"
    return text + "x" * max(size - len(text), 1)


def parse_content(content):
    sender, counter, sent_at, _ = content.split(":", 3)
    return int(sender), int(counter), float(sent_at)


def http_to_ws(url):
    url = url.rstrip("/")
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


# --- Targets ------------------------------------------------------------------------------------


class Target:
    """How to reach one server: open a socket, create rooms, frame and parse messages."""

    kind = ""
    has_seq = False

    def __init__(self, url, *, compression=True):
        self.url = url.rstrip("/")
        self.ws_base = http_to_ws(self.url)
        self.compression = "deflate" if compression else None

    async def _connect(self, path):
        return await websockets.connect(
            self.ws_base + path,
            open_timeout=OPEN_TIMEOUT,
            close_timeout=2,
            ping_interval=None,
            max_size=2**21,
            compression=self.compression,
        )

    async def open(self, identity, room):
        raise NotImplementedError

    async def setup_rooms(self, groups):
        """Create one room per list of identities; return the rooms' keys."""
        raise NotImplementedError

    def send_frame(self, room, content, request_id):
        raise NotImplementedError

    def parse(self, text):
        """Return (DELIVERY, seq, content, None), (ERROR, None, name, request_id) or None."""
        raise NotImplementedError


class TutorialTarget(Target):
    """The Channels tutorial consumer: ws/chat/<room>/, {"message": text} both ways."""

    kind = "tutorial"

    def __init__(self, url, **kwargs):
        super().__init__(url, **kwargs)
        self.run_id = uuid.uuid4().hex[:6]

    async def open(self, identity, room):
        return await self._connect(f"/ws/chat/{room}/")

    async def setup_rooms(self, groups):
        return [f"bench{self.run_id}r{index}" for index in range(len(groups))]

    def send_frame(self, room, content, request_id):
        return json.dumps({"message": content})

    def parse(self, text):
        frame = json.loads(text)
        if "message" in frame:
            return DELIVERY, None, frame["message"], None
        if "error" in frame:
            return ERROR, None, str(frame["error"]), None
        return None


class ProjectTarget(Target):
    """This project: ?token= auth, session.hello first, group rooms, message.send/new."""

    kind = "project"
    has_seq = True

    async def open(self, identity, room):
        _, token = identity
        ws = await self._connect(f"/ws/chat/?token={token}")
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                hello = json.loads(await ws.recv())
        except websockets.ConnectionClosed as exc:
            if ws.close_code == 4001:
                raise ConnectionRefusedError("token refused (expired? tokens live 15 min)") from exc
            raise
        except BaseException:
            await ws.close()
            raise
        if hello.get("event_type") != "session.hello":
            await ws.close()
            raise ConnectionError(f"expected session.hello, got {hello.get('event_type')}")
        return ws

    async def setup_rooms(self, groups):
        sem = asyncio.Semaphore(8)
        name_prefix = f"bench-{uuid.uuid4().hex[:6]}"

        async def create(index, group):
            async with sem:
                ws = await self.open(group[0], None)
                try:
                    members = [username for username, _ in group[1:]]
                    await ws.send(
                        json.dumps(
                            {
                                "event_type": "room.create",
                                "data": {
                                    "kind": "group",
                                    "name": f"{name_prefix}-{index}",
                                    "members": members,
                                },
                                "request_id": "create",
                            }
                        )
                    )
                    async with asyncio.timeout(OPEN_TIMEOUT):
                        while True:
                            reply = json.loads(await ws.recv())
                            if reply.get("request_id") == "create":
                                break
                    if reply["event_type"] != "room.create":
                        raise RuntimeError(f"room.create failed: {reply}")
                    return reply["data"]["room"]["id"]
                finally:
                    await ws.close()

        return list(await asyncio.gather(*(create(i, g) for i, g in enumerate(groups))))

    def send_frame(self, room, content, request_id):
        return json.dumps(
            {
                "event_type": "message.send",
                "data": {"room_id": room, "content": content, "client_msg_id": request_id},
                "request_id": request_id,
            }
        )

    def parse(self, text):
        frame = json.loads(text)
        event_type = frame.get("event_type")
        if event_type == "message.new" and "request_id" not in frame:
            message = frame["data"]["message"]
            return DELIVERY, message["seq"], message["content"], None
        if event_type == "error":
            return ERROR, None, frame["data"].get("name", "error"), frame.get("request_id")
        return None


def make_target(kind, url, *, compression=True):
    targets = {"project": ProjectTarget, "tutorial": TutorialTarget}
    return targets[kind](url, compression=compression)


# --- One load run -------------------------------------------------------------------------------


@dataclass(eq=False)
class Conn:
    """A member socket (or a churner) and everything it received."""

    sender: int
    room: int
    identity: object
    ws: object = None
    counter: int = 0
    received: set = field(default_factory=set)  # (sender, counter)
    seqs: set = field(default_factory=set)
    max_seq: int = -1
    by_sender: dict = field(default_factory=lambda: defaultdict(list))
    duplicates: int = 0
    out_of_order: int = 0
    closed_early: bool = False


def _spread_phases(count):
    """Return ``count`` send phases (fractions of the interval), evenly spread and shuffled.

    Evenly spread, so the number of sends in a short step is the plan's, not a coin toss per
    socket (at 0.125/s a 4 s step gives each socket one chance in two); shuffled, so rooms
    do not send in turn.
    """
    phases = [(i + random.random()) / count for i in range(count)]
    random.shuffle(phases)
    return phases


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


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
        self.first_send = None
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
        key = (sender, counter)
        if seq is not None:
            if seq in conn.seqs:
                conn.duplicates += 1
                return
            if seq < conn.max_seq:
                conn.out_of_order += 1
            conn.seqs.add(seq)
            conn.max_seq = max(conn.max_seq, seq)
        if key in conn.received:
            if seq is None:
                conn.duplicates += 1
            return
        if seq is None:
            counters = conn.by_sender[sender]
            if counters and counter < counters[-1]:
                conn.out_of_order += 1
            counters.append(counter)
        conn.received.add(key)
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

    def _owed(self):
        return sum(self.expected_count[room] * n for room, n in self.live_members.items())

    async def _connect(self, conn, sem):
        async with sem:
            try:
                conn.ws = await self.target.open(conn.identity, self.rooms[conn.room])
            except Exception as exc:
                self.errors[f"connect_{type(exc).__name__}"] += 1

    async def run(self):
        plan = self.plan
        loop = asyncio.get_running_loop()
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
        await asyncio.gather(*(self._connect(conn, sem) for conn in self.members))
        connected = [conn for conn in self.members if conn.ws is not None]
        for conn in connected:
            self.live_members[conn.room] += 1
        readers = [asyncio.create_task(self._read(conn)) for conn in connected]
        self.t0 = loop.time() + 0.2
        self.t_end = self.t0 + plan.duration
        wall_start = time.time() + 0.2
        self.latency_from = wall_start + plan.warmup
        cpu_start = time.process_time()
        watched_start = {label: tree_cpu_seconds(pid) for label, pid in self.watch.items()}
        machine_start = machine_busy_seconds()
        await asyncio.gather(
            *(
                self._send_loop(conn, phase)
                for conn, phase in zip(connected, _spread_phases(len(connected)), strict=True)
            ),
            *(self._churn_loop(churner) for churner in self.churners),
        )
        deadline = loop.time() + plan.grace
        while loop.time() < deadline and self.deliveries < self._owed():
            await asyncio.sleep(0.05)
        wall_end = max(self.last_delivery or 0.0, wall_start + plan.duration)
        cpu_used = time.process_time() - cpu_start
        elapsed = time.time() - wall_start
        self.cpu_percent = {"client": round(100 * cpu_used / max(elapsed, 1e-9), 1)}
        for label, pid in self.watch.items():
            used = tree_cpu_seconds(pid) - watched_start[label]
            self.cpu_percent[label] = round(100 * used / max(elapsed, 1e-9), 1)
        machine = 100 * (machine_busy_seconds() - machine_start) / max(elapsed, 1e-9)
        self.cpu_percent["machine"] = round(machine, 1)
        # Whatever else ran on the machine meanwhile (other jobs skew the numbers).
        ours = sum(v for k, v in self.cpu_percent.items() if k != "machine")
        self.cpu_percent["others"] = round(max(machine - ours, 0.0), 1)
        self.closing = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.gather(*(c.ws.close() for c in connected), return_exceptions=True)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return self._report(connected, wall_end - wall_start)

    def _report(self, connected, window):
        plan = self.plan
        lost = gaps = duplicates = out_of_order = 0
        for conn in connected:
            owed = self.expected[conn.room] - self.withdrawn
            lost += len(owed - conn.received)
            duplicates += conn.duplicates
            out_of_order += conn.out_of_order
            if self.target.has_seq:
                if conn.seqs:
                    gaps += max(conn.seqs) - min(conn.seqs) + 1 - len(conn.seqs)
            else:
                for counters in conn.by_sender.values():
                    gaps += max(counters) - min(counters) + 1 - len(set(counters))
        latencies = sorted(self.latencies)
        expected = self._owed()
        target_send_rate = plan.member_sockets * plan.rate
        return {
            "mode": "run",
            "target": self.target.kind,
            "url": self.target.url,
            "plan": asdict(plan),
            "sockets": len(connected),
            "sent": self.sent,
            "send_rate": round(self.member_sent / plan.duration, 1),
            "target_send_rate": target_send_rate,
            "expected_deliveries": expected,
            "deliveries": self.deliveries,
            "deliveries_per_second": round(self.deliveries / window, 1),
            "target_deliveries_per_second": target_send_rate * plan.members,
            "latency_ms": {
                "p50": _ms(percentile(latencies, 0.50)),
                "p90": _ms(percentile(latencies, 0.90)),
                "p99": _ms(percentile(latencies, 0.99)),
                "max": _ms(latencies[-1] if latencies else None),
                "count": len(latencies),
            },
            "gaps": gaps,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "lost": lost,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "churn_cycles": self.churn_cycles,
            "duration_s": round(window, 2),
            "client_cpu_percent": self.cpu_percent["client"],
            "cpu_percent": self.cpu_percent,
        }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def room_groups(plan, identities):
    """The identities in each room: its members, then its churners (the first one creates it)."""
    groups = [
        [identities[r * plan.members + m] for m in range(plan.members)] for r in range(plan.rooms)
    ]
    for k in range(plan.churners):
        groups[plan.room_of_churner(k)].append(identities[plan.member_sockets + k])
    return groups


async def run_load(target, plan, identities, rooms=None, watch=None):
    """Run one load level; create the rooms first unless ``rooms`` is given."""
    identities = _enough(identities, plan.identities)
    if rooms is None:
        rooms = await target.setup_rooms(room_groups(plan, identities))
    return await LoadRun(target, plan, identities, rooms, watch).run()


def failures(report, p99_limit_ms):
    """Why a ladder step does not count as sustained (an empty list means it does)."""
    reasons = []
    p99 = report["latency_ms"]["p99"]
    if p99 is None or p99 > p99_limit_ms:
        reasons.append(f"p99 {p99} ms > {p99_limit_ms} ms")
    for key in ("lost", "gaps", "duplicates", "errors"):
        if report[key]:
            reasons.append(f"{key} {report[key]}")
    if report["send_rate"] < 0.9 * report["target_send_rate"]:
        reasons.append(f"sent {report['send_rate']}/s of {report['target_send_rate']}/s planned")
    return reasons


async def run_ladder(
    target,
    plan,
    identities,
    rates,
    *,
    p99_limit_ms=100.0,
    refine=3,
    log=None,
    watch=None,
    disturbed=None,
):
    """Raise the per-socket rate through ``rates`` until a step fails; report the last pass.

    Then ``refine`` times, the rate halfway (geometric mean) between the last pass and the
    lowest failure is tried: with rates a factor 2 apart, three steps put the result within
    9% of the real limit rather than on a power of two.

    ``disturbed(report)``, if given, is awaited after a failing step; when it returns true
    (other processes took the CPUs meanwhile) the step is run once more and the disturbed
    attempt is kept under the new report's ``"disturbed_attempt"``.
    """
    identities = _enough(identities, plan.identities)
    rooms = await target.setup_rooms(room_groups(plan, identities))
    steps = []
    best = failed = None
    stop_reason = "all steps passed"

    async def attempt(rate):
        report = await LoadRun(target, replace(plan, rate=rate), identities, rooms, watch).run()
        report["failures"] = failures(report, p99_limit_ms)
        report["passed"] = not report["failures"]
        if log:
            log(step_line(report))
        return report

    async def step(rate):
        report = await attempt(rate)
        if not report["passed"] and disturbed is not None and await disturbed(report):
            if log:
                log(f"[{target.kind}] step disturbed by other processes; running it again")
            first, report = report, await attempt(rate)
            report["disturbed_attempt"] = first
        steps.append(report)
        return report

    for rate in rates:
        report = await step(rate)
        if not report["passed"]:
            failed = report
            stop_reason = f"rate {rate}/s per socket: " + "; ".join(report["failures"])
            break
        best = report
    for _ in range(refine if best is not None and failed is not None else 0):
        middle = round(math.sqrt(best["plan"]["rate"] * failed["plan"]["rate"]), 3)
        report = await step(middle)
        if report["passed"]:
            best = report
        else:
            failed = report
    return {
        "mode": "ladder",
        "target": target.kind,
        "url": target.url,
        "plan": asdict(plan),
        "p99_limit_ms": p99_limit_ms,
        "steps": steps,
        "sustained": sustained_summary(best),
        "stop_reason": stop_reason,
    }


def sustained_summary(report):
    if report is None:
        return None
    return {
        "rate": report["plan"]["rate"],
        "deliveries_per_second": report["deliveries_per_second"],
        "p50_ms": report["latency_ms"]["p50"],
        "p99_ms": report["latency_ms"]["p99"],
        "churn_cycles_per_second": round(report["churn_cycles"] / report["plan"]["duration"], 1),
        "cpu_percent": report["cpu_percent"],
        "gaps": report["gaps"],
        "duplicates": report["duplicates"],
        "lost": report["lost"],
        "errors": report["errors"],
    }


def _enough(identities, needed):
    if len(identities) < needed:
        raise SystemExit(f"need {needed} users (tokens), got {len(identities)}")
    return identities


# --- Processes ---------------------------------------------------------------------------------


def _stat_fields(pid):
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def machine_busy_seconds():
    """Return the CPU time all CPUs of the machine have spent busy (not idle or iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root):
    """Return the CPU time (user + system) used so far by ``root`` and its live descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parents[int(entry)] = int(_stat_fields(entry)[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier.extend(children)
    ticks = 0
    for pid in tree:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = _stat_fields(pid)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- Memory per idle socket ---------------------------------------------------------------------


def read_rss_kib(pid):
    """Return the resident set size of process ``pid`` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def measure_memory(target, pid, identities, sockets, *, room_size=10, settle=2.0):
    """Open ``sockets`` idle sockets (``room_size`` per room) and return the server's growth.

    A few sockets are opened and closed first so that lazily imported code and pools are in
    the baseline reading, not in the per-socket figure.
    """
    identities = _enough(identities, sockets)[:sockets]
    groups = [identities[i : i + room_size] for i in range(0, sockets, room_size)]
    rooms = await target.setup_rooms(groups)
    warm = [await target.open(identities[i], rooms[0]) for i in range(min(3, sockets))]
    for ws in warm:
        await ws.close()
    await asyncio.sleep(1.0)
    rss_before = read_rss_kib(pid)
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failed = Counter()

    async def open_one(index):
        async with sem:
            try:
                return await target.open(identities[index], rooms[index // room_size])
            except Exception as exc:
                failed[type(exc).__name__] += 1
                return None

    opened = [ws for ws in await asyncio.gather(*map(open_one, range(sockets))) if ws]
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


# --- Users and tokens (project) -----------------------------------------------------------------


def provision(prefix, count, password):
    """Create ``count`` users (``<prefix>0``...) if missing; return [[username, token], ...].

    Runs inside the project with Django set up (DATABASE_URL and SECRET_KEY of the server), so
    the tokens are the server's own. One password hash is shared by all users: hashing once
    keeps provisioning fast under the production hasher.
    """
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from chat.auth import token_issue

    user_model = get_user_model()
    names = [f"{prefix}{i}" for i in range(count)]
    hashed = make_password(password)
    user_model.objects.bulk_create(
        [user_model(username=name, password=hashed) for name in names], ignore_conflicts=True
    )
    users = {user.username: user for user in user_model.objects.filter(username__in=names)}
    return [[name, token_issue(users[name])[0]] for name in names]


def fetch_tokens(url, prefix, count, password):
    """Log in ``<prefix>0``... over POST /api/token/; return [[username, token], ...]."""
    tokens = []
    for i in range(count):
        request = urllib.request.Request(
            f"{url.rstrip('/')}/api/token/",
            data=json.dumps({"username": f"{prefix}{i}", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens.append([f"{prefix}{i}", json.loads(response.read())["token"]])
    return tokens


def load_identities(args, needed):
    if args.target == "tutorial":
        return [(f"anon{i}", None) for i in range(needed)]
    if args.tokens:
        return [tuple(pair) for pair in json.loads(Path(args.tokens).read_text())]
    if args.password:
        return [tuple(pair) for pair in fetch_tokens(args.url, args.prefix, needed, args.password)]
    raise SystemExit("the project target needs --tokens FILE or --password (with --prefix)")


# --- Output -------------------------------------------------------------------------------------


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers, rows):
    """Return rows as a plain-text table."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


STEP_HEADERS = (
    "rate/s", "target d/s", "deliv/s", "p50 ms", "p99 ms", "gaps", "dups", "lost", "errors",
    "cpu% client", "server", "others", "pass",
)  # fmt: skip


def step_row(report):
    return (
        f"{report['plan']['rate']:g}",
        report["target_deliveries_per_second"],
        report["deliveries_per_second"],
        report["latency_ms"]["p50"],
        report["latency_ms"]["p99"],
        report["gaps"],
        report["duplicates"],
        report["lost"],
        report["errors"],
        report["client_cpu_percent"],
        report["cpu_percent"].get("server"),
        report["cpu_percent"].get("others"),
        "yes" if report.get("passed", True) else "no",
    )


def step_line(report):
    row = step_row(report)
    text = "  ".join(f"{h}={_fmt(v)}" for h, v in zip(STEP_HEADERS, row, strict=True))
    if report.get("failures"):
        text += "  (" + "; ".join(report["failures"]) + ")"
    if report["error_kinds"]:
        text += f"  errors: {report['error_kinds']}"
    return f"[{report['target']}] {text}"


def render(report):
    if report["mode"] == "run":
        return table(STEP_HEADERS, [step_row(report)]) + _error_detail(report)
    if report["mode"] == "ladder":
        text = table(STEP_HEADERS, [step_row(step) for step in report["steps"]])
        best = report["sustained"]
        level = "none" if best is None else f"{_fmt(best['deliveries_per_second'])} deliveries/s"
        return f"{text}\nsustained: {level} (stop: {report['stop_reason']})"
    rows = [(k, report[k]) for k in MEMORY_KEYS if k not in ("mode", "url")]
    return table(("memory", "value"), rows)


def _error_detail(report):
    return f"\nerrors: {report['error_kinds']}" if report["error_kinds"] else ""


# --- Command line -------------------------------------------------------------------------------


def parse_rates(text):
    return [float(part) for part in text.split(",") if part.strip()]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="mode", required=True)

    prov = sub.add_parser("provision", help="create users and write their tokens (project env)")
    prov.add_argument("--prefix", default="load")
    prov.add_argument("--count", type=int, required=True)
    prov.add_argument("--password", default="bench-password-not-secret")
    prov.add_argument("--out", required=True)

    for name in ("run", "ladder", "memory"):
        p = sub.add_parser(name)
        p.add_argument("--target", choices=("project", "tutorial"), required=True)
        p.add_argument("--url", required=True, help="the server's http:// base URL")
        p.add_argument("--tokens", help="JSON [[username, token], ...] from `provision`")
        p.add_argument("--prefix", default="load", help="usernames to log in with --password")
        p.add_argument("--password", help="log users in over /api/token/ instead of --tokens")
        p.add_argument("--json", help="also write the report here")
        p.add_argument("--no-compression", action="store_true", help="no permessage-deflate")
        p.add_argument("--no-uvloop", action="store_true")
        if name == "memory":
            p.add_argument("--pid", type=int, required=True, help="the one server process")
            p.add_argument("--sockets", type=int, default=500)
            p.add_argument("--room-size", type=int, default=10)
            p.add_argument("--settle", type=float, default=2.0)
            continue
        defaults = Plan()
        p.add_argument("--rooms", type=int, default=defaults.rooms)
        p.add_argument("--members", type=int, default=defaults.members)
        p.add_argument("--churners", type=int, default=defaults.churners)
        p.add_argument("--churn-rate", type=float, default=defaults.churn_rate)
        p.add_argument("--duration", type=float, default=defaults.duration)
        p.add_argument("--warmup", type=float, default=defaults.warmup)
        p.add_argument("--grace", type=float, default=defaults.grace)
        p.add_argument("--size", type=int, default=defaults.size)
        p.add_argument("--p99-limit-ms", type=float, default=100.0)
        p.add_argument("--server-pid", type=int, help="report this process tree's CPU use")
        if name == "run":
            p.add_argument("--rate", type=float, default=defaults.rate)
        else:
            p.add_argument("--rates", type=parse_rates, default=DEFAULT_RATES)
            p.add_argument(
                "--refine",
                type=int,
                default=3,
                help="steps halfway between the last pass and the first failure (default 3)",
            )
    return parser


def plan_from(args, **overrides):
    values = {
        name: getattr(args, name)
        for name in (
            "rooms", "members", "churners", "churn_rate", "duration", "warmup", "grace", "size",
        )
    }  # fmt: skip
    values.update(overrides)
    return Plan(**values)


async def main_async(args):
    target = make_target(args.target, args.url, compression=not args.no_compression)
    if args.mode == "memory":
        identities = load_identities(args, args.sockets)
        return await measure_memory(
            target,
            args.pid,
            identities,
            args.sockets,
            room_size=args.room_size,
            settle=args.settle,
        )
    watch = {"server": args.server_pid} if args.server_pid else None
    if args.mode == "run":
        plan = plan_from(args, rate=args.rate)
        report = await run_load(target, plan, load_identities(args, plan.identities), watch=watch)
        report["failures"] = failures(report, args.p99_limit_ms)
        report["passed"] = not report["failures"]
        return report
    plan = plan_from(args)
    return await run_ladder(
        target,
        plan,
        load_identities(args, plan.identities),
        args.rates,
        p99_limit_ms=args.p99_limit_ms,
        refine=args.refine,
        log=lambda line: print(line, file=sys.stderr, flush=True),
        watch=watch,
    )


def run_async(coro, *, use_uvloop=True):
    """asyncio.run, on uvloop when it is installed (it is a project dependency)."""
    if use_uvloop:
        with contextlib.suppress(ImportError):
            import uvloop

            return asyncio.run(coro, loop_factory=uvloop.new_event_loop)
    return asyncio.run(coro)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.mode == "provision":
        tokens = provision(args.prefix, args.count, args.password)
        Path(args.out).write_text(json.dumps(tokens))
        print(f"{len(tokens)} users ({args.prefix}0..) and tokens written to {args.out}")
        return 0
    report = run_async(main_async(args), use_uvloop=not args.no_uvloop)
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main())
