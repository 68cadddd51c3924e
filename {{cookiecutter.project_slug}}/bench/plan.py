"""The load model: rooms of member sockets sending at a fixed rate, and churning clients.

N rooms x M member sockets each send numbered messages at a fixed rate; K churning clients
connect, send one message, wait for its echo and disconnect, in a loop (the connect/disconnect
churn of django/channels#1683). Every message's content is ``<sender id>:<counter>:<send
time>:<padding>``, so each receiving socket can tell latency, duplicates, gaps and losses.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

# Per-socket send rates of a ladder: with 10 rooms x 10 members, 125 to 16,000 deliveries/s.
DEFAULT_RATES = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32]

CONNECT_CONCURRENCY = 16
CHURN_ECHO_TIMEOUT = 3.0


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

    def record(self, seq, sender, counter):
        """Note a message received (seq is None for the tutorial); return whether it is new."""
        key = (sender, counter)
        if seq is not None:
            if seq in self.seqs:
                self.duplicates += 1
                return False
            if seq < self.max_seq:
                self.out_of_order += 1
            self.seqs.add(seq)
            self.max_seq = max(self.max_seq, seq)
        if key in self.received:
            if seq is None:
                self.duplicates += 1
            return False
        if seq is None:
            counters = self.by_sender[sender]
            if counters and counter < counters[-1]:
                self.out_of_order += 1
            counters.append(counter)
        self.received.add(key)
        return True


# The plan's fields that the command lines take as options.
PLAN_OPTIONS = ("rooms", "members", "churners", "churn_rate", "duration", "warmup", "grace", "size")


def content_for(sender, counter, size):
    text = f"{sender}:{counter}:{time.time():.6f}:"
    return text + "x" * max(size - len(text), 1)


def parse_content(content):
    sender, counter, sent_at, _ = content.split(":", 3)
    return int(sender), int(counter), float(sent_at)


def spread_phases(count):
    """Return ``count`` send phases (fractions of the interval), evenly spread and shuffled.

    Evenly spread, so the number of sends in a short step is the plan's, not a coin toss per
    socket (at 0.125/s a 4 s step gives each socket one chance in two); shuffled, so rooms
    do not send in turn.
    """
    phases = [(i + random.random()) / count for i in range(count)]
    random.shuffle(phases)
    return phases


def room_groups(plan, identities):
    """The identities in each room: its members, then its churners (the first one creates it)."""
    groups = [
        [identities[r * plan.members + m] for m in range(plan.members)] for r in range(plan.rooms)
    ]
    for k in range(plan.churners):
        groups[plan.room_of_churner(k)].append(identities[plan.member_sockets + k])
    return groups


def enough(identities, needed):
    if len(identities) < needed:
        raise SystemExit(f"need {needed} users (tokens), got {len(identities)}")
    return identities


def parse_rates(text):
    return [float(part) for part in text.split(",") if part.strip()]


def add_plan_options(parser, defaults):
    """Add the PLAN_OPTIONS (``--rooms``, ``--churn-rate``...) with the values of ``defaults``."""
    for name in PLAN_OPTIONS:
        value = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)


def plan_from(args, **overrides):
    """The Plan that parsed command-line options (and ``overrides``) describe."""
    return Plan(**{**{name: getattr(args, name) for name in PLAN_OPTIONS}, **overrides})
