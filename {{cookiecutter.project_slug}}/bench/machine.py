"""The machine the bench runs on: what it is, and the CPU and memory processes use (/proc).

Everything runs on one machine, so other work on it skews the figures: every report says how
much CPU the load tool, the watched servers and everything else used.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path

from bench.report import log

PACKAGES = (
    "Django", "channels", "channels-redis", "redis", "uvicorn", "websockets", "uvloop",
    "httptools", "psycopg", "psycopg-pool", "asgiref", "msgpack",
)  # fmt: skip
OTHERS_WARNING = 15  # % of one CPU used by other processes during a step
QUIET_THRESHOLD = 25  # % of one CPU: below this the machine counts as quiet (--wait-quiet)


def describe():
    """The CPUs, Python, package and Redis versions, for the report."""
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "loadavg_at_start": os.getloadavg()[0],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "redis_server": redis_version,
    }


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


class CpuMeter:
    """CPU use from now on, in % of one CPU: this process (``client``), the process trees of
    ``watch`` (label -> pid), the whole ``machine``, and ``others`` (whatever else ran)."""

    def __init__(self, watch):
        self.watch = watch
        self.client_start = time.process_time()
        self.watched_start = {label: tree_cpu_seconds(pid) for label, pid in watch.items()}
        self.machine_start = machine_busy_seconds()

    def percent(self, wall_start):
        """Return the CPU use since the meter started, over the wall time since wall_start."""
        cpu_used = time.process_time() - self.client_start
        elapsed = time.time() - wall_start
        percent = {"client": round(100 * cpu_used / max(elapsed, 1e-9), 1)}
        for label, pid in self.watch.items():
            used = tree_cpu_seconds(pid) - self.watched_start[label]
            percent[label] = round(100 * used / max(elapsed, 1e-9), 1)
        machine = 100 * (machine_busy_seconds() - self.machine_start) / max(elapsed, 1e-9)
        percent["machine"] = round(machine, 1)
        # Whatever else ran on the machine meanwhile (other jobs skew the numbers).
        ours = sum(v for k, v in percent.items() if k != "machine")
        percent["others"] = round(max(machine - ours, 0.0), 1)
        return percent


def read_rss_kib(pid):
    """Return the resident set size of process ``pid`` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait_for_quiet(limit, threshold=QUIET_THRESHOLD, window=3.0):
    """Wait (at most ``limit`` seconds) until other processes leave the CPUs mostly idle."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = machine_busy_seconds()
        time.sleep(window)
        busy = 100 * (machine_busy_seconds() - before) / window
        if busy < threshold:
            return
        log(f"machine busy ({busy:.0f}% CPU); waiting for it to calm down")
