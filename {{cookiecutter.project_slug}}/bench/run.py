"""Benchmark the project against the Channels tutorial consumer, side by side, on this machine.

Everything runs on free loopback ports and is stopped at the end: a Redis and a PostgreSQL
(testservers/), the project under Uvicorn exactly as the Procfile's web line starts it
(production settings: DEBUG off, DATABASE_URL to the PostgreSQL, REDIS_URL to the Redis, every
message stored), and the baseline with LAYER=pubsub and LAYER=redis under the same Uvicorn
command and worker count. Each gets the same bench.load ladder (the same rooms, members, rates
and churning clients), then an idle-socket memory measurement against a fresh single-process
server (the pub/sub baseline's also under the command its README gives: Uvicorn's defaults).
The chat's per-socket rate limit is raised for the run (CHAT_RATE_LIMIT_PER_SECOND and
CHAT_RATE_LIMIT_BURST), since every bench socket sends faster than a person types.

    python -m bench.run --baseline /path/to/tutorial [--json bench-report.json]

Without --baseline (or BENCH_BASELINE) only the project is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import redis

from bench import load
from testservers.live import PROJECT, LiveServer, base_env, manage
from testservers.postgres import PostgresServer
from testservers.redis_server import RedisServer

RATE_LIMIT = 100_000  # per socket per second, and burst: effectively off
PACKAGES = (
    "Django", "channels", "channels-redis", "redis", "uvicorn", "websockets", "uvloop",
    "httptools", "psycopg", "psycopg-pool", "asgiref", "msgpack",
)  # fmt: skip
LAYERS = ("pubsub", "redis")
README_LAYER = "pubsub"  # also measured under the command in the baseline's README
OTHERS_WARNING = 15  # % of one CPU used by other processes during a step
QUIET_THRESHOLD = 25  # % of one CPU: below this the machine counts as quiet (--wait-quiet)


def web_command(app="config.asgi:application", cwd=None):
    """Return the Procfile's web command for bash, run in the foreground on 127.0.0.1.

    The stunnel wrapper is left out (the local Redis is plain TCP), template tags are dropped
    (the command also works in the unbaked template), and ``exec`` makes Uvicorn the process
    whose id the server object holds.
    """
    line = next(
        line for line in (PROJECT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = re.sub(r"\{%.*?%\}", "", line[len("web:") :]).strip()
    command = command.replace("bin/start-stunnel ", "")
    if not command.startswith("uvicorn "):
        raise RuntimeError(f"unexpected Procfile web line: {line}")
    command = command[len("uvicorn ") :].replace("--host 0.0.0.0", "--host 127.0.0.1")
    command = command.replace("config.asgi:application", app)
    prefix = f"cd {shlex.quote(str(cwd))} && " if cwd else ""
    return f"{prefix}exec {shlex.quote(sys.executable)} -m uvicorn {command}"


def machine():
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


def log(message):
    print(message, file=sys.stderr, flush=True)


def wait_for_quiet(limit, threshold=QUIET_THRESHOLD, window=3.0):
    """Wait (at most ``limit`` seconds) until other processes leave the CPUs mostly idle."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = load.machine_busy_seconds()
        time.sleep(window)
        busy = 100 * (load.machine_busy_seconds() - before) / window
        if busy < threshold:
            return
        log(f"machine busy ({busy:.0f}% CPU); waiting for it to calm down")


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = Path(workdir)
        self.plan = load.Plan(
            rooms=args.rooms,
            members=args.members,
            churners=args.churners,
            churn_rate=args.churn_rate,
            duration=args.duration,
            warmup=args.warmup,
            grace=args.grace,
            size=args.size,
        )
        self.redis = self.postgres = None

    def watch(self, server):
        pids = {"server": server.process.pid, "redis": self.redis.process.pid}
        if self.postgres is not None:
            with contextlib.suppress(OSError, ValueError):
                pid_file = self.postgres.datadir / "postmaster.pid"
                pids["postgres"] = int(pid_file.read_text().split()[0])
        return pids

    def flush_redis(self):
        client = redis.Redis.from_url(self.redis.url)
        client.flushall()
        client.close()

    async def disturbed(self, report):
        """Whether other processes took the CPUs during a failed step (then it is rerun)."""
        if report["cpu_percent"].get("others", 0) <= OTHERS_WARNING:
            return False
        await asyncio.to_thread(wait_for_quiet, self.args.wait_quiet)
        return True

    def measure(self, name, target, server, identities):
        self.flush_redis()
        wait_for_quiet(self.args.wait_quiet)
        with server:
            log(f"[{name}] ladder on {server.url} ({self.args.workers} workers)")
            ladder = load.run_async(
                load.run_ladder(
                    target,
                    self.plan,
                    identities,
                    self.args.rates,
                    p99_limit_ms=self.args.p99_limit_ms,
                    log=log,
                    watch=self.watch(server),
                    disturbed=self.disturbed,
                )
            )
        ladder["server_log_errors"] = count_errors(server.log())
        return ladder

    def memory(self, name, target, server, identities):
        self.flush_redis()
        wait_for_quiet(self.args.wait_quiet)
        with server:
            log(f"[{name}] memory: {self.args.idle_sockets} idle sockets, one process")
            report = load.run_async(
                load.measure_memory(target, server.process.pid, identities, self.args.idle_sockets)
            )
        log(f"[{name}] {report['kib_per_socket']} KiB per socket ({report['open_sockets']} open)")
        return report

    # The project ---------------------------------------------------------------------------------

    def project(self):
        db_url = self.postgres.create_database("bench")
        env = base_env(
            self.workdir / "project",
            DATABASE_URL=db_url,
            REDIS_URL=self.redis.url,
            CHAT_RATE_LIMIT_PER_SECOND=RATE_LIMIT,
            CHAT_RATE_LIMIT_BURST=RATE_LIMIT,
            WEB_CONCURRENCY=self.args.workers,
            # Tokens are made once per run; --wait-quiet can outlast the default 15 minutes.
            CHAT_TOKEN_TTL=3 * 3600,
        )
        (self.workdir / "project").mkdir(exist_ok=True)
        migrated = manage(env, "migrate", "--no-input", check=False)
        if migrated.returncode:
            raise RuntimeError(migrated.stderr)
        identities = self.provision(env, "load", self.plan.identities)
        idle = self.provision(env, "idle", self.args.idle_sockets)
        target = load.ProjectTarget
        server = LiveServer(self.workdir / "project", env, command=web_command(), migrate=False)
        result = self.measure("project", target(server.url), server, identities)
        single = LiveServer(
            self.workdir / "project",
            {**env, "WEB_CONCURRENCY": "1"},
            command=web_command(),
            migrate=False,
        )
        result["memory"] = self.memory("project", target(single.url), single, idle)
        return result

    def provision(self, env, prefix, count):
        out = self.workdir / f"{prefix}-tokens.json"
        done = subprocess.run(
            [sys.executable, "-m", "bench.load", "provision", "--prefix", prefix,
             "--count", str(count), "--out", str(out)],
            cwd=PROJECT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"provisioning failed:\n{done.stderr}")
        return [tuple(pair) for pair in json.loads(out.read_text())]

    # The baseline --------------------------------------------------------------------------------

    def baseline(self, layer):
        path = Path(self.args.baseline).resolve()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "PYTHONPATH"}
        }
        env.update(
            LAYER=layer,
            REDIS_URL=self.redis.url,
            PYTHONPATH=str(path),
            PYTHONDONTWRITEBYTECODE="1",
            WEB_CONCURRENCY=str(self.args.workers),
        )
        workdir = self.workdir / f"tutorial-{layer}"
        workdir.mkdir(exist_ok=True)
        command = web_command("scale_ws.asgi:application", cwd=path)
        identities = [(f"anon{i}", None) for i in range(self.plan.identities)]
        server = LiveServer(workdir, env, command=command, migrate=False)
        result = self.measure(
            f"tutorial-{layer}", load.TutorialTarget(server.url), server, identities
        )
        single = LiveServer(
            workdir, {**env, "WEB_CONCURRENCY": "1"}, command=command, migrate=False
        )
        idle = [(f"anon{i}", None) for i in range(self.args.idle_sockets)]
        result["memory"] = self.memory(
            f"tutorial-{layer}", load.TutorialTarget(single.url), single, idle
        )
        if layer == README_LAYER:
            # Also as its README starts it: Uvicorn's defaults, per-message deflate included,
            # one process (Uvicorn would read WEB_CONCURRENCY as --workers).
            readme = LiveServer(
                workdir,
                {key: value for key, value in env.items() if key != "WEB_CONCURRENCY"},
                command=f"cd {shlex.quote(str(path))} && exec {shlex.quote(sys.executable)} "
                "-m uvicorn scale_ws.asgi:application --host 127.0.0.1 --port $PORT",
                migrate=False,
            )
            result["memory_readme"] = self.memory(
                f"tutorial-{layer} (README command)", load.TutorialTarget(readme.url), readme, idle
            )
        return result

    def run(self):
        results = {}
        with (
            RedisServer(self.workdir / "redis") as self.redis,
            # PostgreSQL at its default durability: every stored message is on disk.
            PostgresServer(self.workdir / "postgres", durable=True) as self.postgres,
        ):
            results["project"] = self.project()
            if self.args.baseline:
                for layer in LAYERS:
                    results[f"tutorial-{layer}"] = self.baseline(layer)
        return results


def count_errors(server_log):
    return sum(
        1 for line in server_log.splitlines() if "Traceback" in line or line.startswith("ERROR")
    )


# --- The comparison -----------------------------------------------------------------------------


def totals(ladder, key):
    return sum(step[key] for step in ladder["steps"])


def comparison(results):
    """Return (rows, ratio rows) of the side-by-side table."""
    names = list(results)

    def row(label, get):
        return (label, *(get(results[name]) for name in names))

    def sustained(key):
        return lambda r: r["sustained"][key] if r["sustained"] else None

    rows = [
        row("sustained deliveries/s", sustained("deliveries_per_second")),
        row("  at rate/s per socket", lambda r: r["sustained"] and f"{r['sustained']['rate']:g}"),
        row("  p50 ms at that level", sustained("p50_ms")),
        row("  p99 ms at that level", sustained("p99_ms")),
        row("  churn cycles/s done", sustained("churn_cycles_per_second")),
        row("  server CPU ms / 1,000 deliv.", lambda r: cpu_per_thousand(r, "server")),
        row("  + database CPU ms", lambda r: cpu_per_thousand(r, "server", "postgres")),
        row("gaps (all steps)", lambda r: totals(r, "gaps")),
        row("duplicates (all steps)", lambda r: totals(r, "duplicates")),
        row("lost (all steps)", lambda r: totals(r, "lost")),
        row("errors (all steps)", lambda r: totals(r, "errors")),
        row("server log errors", lambda r: r["server_log_errors"]),
        row("memory KiB / idle socket", lambda r: r["memory"]["kib_per_socket"]),
        row("  idle sockets still open", lambda r: r["memory"]["open_sockets"]),
        row("  under its README command", lambda r: readme_memory(r)),
        row("ladder stopped at", lambda r: r["stop_reason"]),
    ]
    ratios = []
    project = results.get("project")
    for name in names[1:]:
        other = results[name]
        ratios.append(
            (
                f"project / {name}",
                _ratio(
                    sustained("deliveries_per_second")(project),
                    sustained("deliveries_per_second")(other),
                ),
                _ratio(cpu_per_thousand(project, "server"), cpu_per_thousand(other, "server")),
                _ratio(project["memory"]["kib_per_socket"], other["memory"]["kib_per_socket"]),
            )
        )
        if readme_memory(other) is not None:
            ratios.append(
                (
                    f"project / {name} (README command)",
                    None,
                    None,
                    _ratio(project["memory"]["kib_per_socket"], readme_memory(other)),
                )
            )
    return names, rows, ratios


def readme_memory(ladder):
    return ladder["memory_readme"]["kib_per_socket"] if "memory_readme" in ladder else None


RATIO_HEADERS = ("ratio", "sustained deliveries/s", "server CPU per delivery", "memory per socket")


def cpu_per_thousand(ladder, *processes):
    """CPU milliseconds that ``processes`` spent per 1,000 deliveries at the sustained step.

    The servers' own cost per delivery, apart from the load tool and, unless asked for, the
    database (which runs on other machines in production).
    """
    best = ladder["sustained"]
    if not best or "cpu_percent" not in best:
        return None
    percent = sum(best["cpu_percent"].get(name, 0) for name in processes)
    return round(percent * 10 * 1000 / best["deliveries_per_second"], 1)


def _ratio(a, b):
    if a is None:
        return None
    if not b:
        return "inf (baseline sustained nothing)" if a else None
    return round(a / b, 2)


def render(results, info, plan, elapsed):
    names, rows, ratios = comparison(results)
    lines = [
        f"Machine: {info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"load average at start {info['loadavg_at_start']:.2f}",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v),
        f"Redis: {info['redis_server']}",
        f"Load: {plan.rooms} rooms x {plan.members} members, {plan.churners} churners at "
        f"{plan.churn_rate}/s each, {plan.duration:g} s per step, {plan.size}-char messages; "
        "sustained = highest step with p99 <= limit and no loss, gap, duplicate or error",
        "",
        load.table(("", *names), rows),
        "",
        load.table(RATIO_HEADERS, ratios)
        if ratios
        else "(no baseline: pass --baseline PATH to compare)",
        "",
        f"Whole run: {elapsed:.0f} s",
    ]
    others = [
        step["cpu_percent"].get("others", 0)
        for result in results.values()
        for step in result["steps"]
    ]
    if others and max(others) > OTHERS_WARNING:
        lines.append(
            f"WARNING: other processes used up to {max(others):.0f}% CPU (of "
            f"{100 * info['nproc']}%) during the steps: the numbers are disturbed, run again "
            "on a quiet machine."
        )
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE"),
        help="the tutorial baseline's folder (with scale_ws/); default $BENCH_BASELINE",
    )
    parser.add_argument("--json", help="write every measurement here")
    parser.add_argument("--workers", type=int, default=2, help="Uvicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--rates", type=load.parse_rates, default=load.DEFAULT_RATES)
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    parser.add_argument("--idle-sockets", type=int, default=500)
    parser.add_argument("--workdir", help="keep logs and data here (default: a temp dir)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        help="before each measurement, wait up to this many seconds for a quiet machine",
    )
    defaults = load.Plan(duration=4.0)
    for name in (
        "rooms",
        "members",
        "churners",
        "churn_rate",
        "duration",
        "warmup",
        "grace",
        "size",
    ):
        value = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.baseline and not (Path(args.baseline) / "scale_ws" / "asgi.py").exists():
        log(f"No tutorial baseline at {args.baseline}: measuring the project only.")
        args.baseline = None
    elif not args.baseline:
        log("No --baseline given (nor BENCH_BASELINE): measuring the project only.")
    started = time.monotonic()
    info = machine()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-"))
        Path(workdir).mkdir(parents=True, exist_ok=True)
        bench = Bench(args, workdir)
        results = bench.run()
    elapsed = time.monotonic() - started
    print(render(results, info, bench.plan, elapsed))
    if args.json:
        report = {"machine": info, "plan": asdict(bench.plan), "results": results}
        report["elapsed_s"] = round(elapsed, 1)
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
