"""The servers the benchmark starts, and each one's ladder and idle-socket memory measurement.

A Redis and a PostgreSQL at its default durability (``testservers``), the project under the
Procfile's web line with production settings, and the tutorial baseline on both Redis layers
under the same Uvicorn command and worker count.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import redis

from bench.ladder import run_ladder
from bench.loadrun import run_async
from bench.machine import OTHERS_WARNING, wait_for_quiet
from bench.memory import measure_memory
from bench.plan import plan_from
from bench.report import log
from bench.scenarios import SCENARIOS
from bench.storm import measure_storm
from bench.targets import ProjectTarget, TutorialTarget
from bench.users import anonymous, read_tokens
from testservers.live import PROJECT, LiveServer, base_env, manage
from testservers.postgres import PostgresServer
from testservers.redis_server import RedisServer

RATE_LIMIT = 100_000  # per socket per second, and burst: effectively off
LAYERS = ("pubsub", "redis")
README_LAYER = "pubsub"  # also measured under the command in the baseline's README


def web_command(app="config.asgi:application", cwd=None, ws=None):
    """Return the Procfile's web command for bash, run in the foreground on 127.0.0.1.

    ``ws`` chooses Uvicorn's WebSocket implementation (its ``--ws``) for a comparison of
    them; the Procfile leaves it to Uvicorn's default.

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
    # Loopback only, whatever address the Procfile binds on a dyno (a word, or the quoted
    # command substitution that picks one by the worker count).
    command = re.sub(r'--host ("\$\(.*?\)"|\S+)', "--host 127.0.0.1", command[len("uvicorn ") :])
    command = command.replace("config.asgi:application", app)
    if ws:
        command += f" --ws {shlex.quote(ws)}"
    prefix = f"cd {shlex.quote(str(cwd))} && " if cwd else ""
    return f"{prefix}exec {shlex.quote(sys.executable)} -m uvicorn {command}"


def count_errors(server_log):
    return sum(
        1 for line in server_log.splitlines() if "Traceback" in line or line.startswith("ERROR")
    )


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = Path(workdir)
        self.plan = plan_from(args)
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

    @contextlib.contextmanager
    def serving(self, server):
        """Empty Redis, wait for a quiet machine (--wait-quiet), then run ``server``."""
        self.flush_redis()
        wait_for_quiet(self.args.wait_quiet)
        with server:
            yield server

    def ladder(self, target, server, identities, plan, rates, refine=3):
        return run_async(
            run_ladder(
                target,
                plan,
                identities,
                rates,
                p99_limit_ms=self.args.p99_limit_ms,
                refine=refine,
                log=log,
                watch=self.watch(server),
                disturbed=self.disturbed,
            )
        )

    def measure(self, name, target, server, identities, *, scenarios=False):
        """The main ladder, then (with ``scenarios``) those of bench/scenarios.py."""
        with self.serving(server):
            log(f"[{name}] ladder on {server.url} ({self.args.workers} workers)")
            ladder = self.ladder(target, server, identities, self.plan, self.args.rates)
            if scenarios and self.args.scenarios:
                ladder["scenarios"] = {}
                for label, scenario in SCENARIOS.items():
                    log(f"[{name}] {label}: {scenario.rooms} x {scenario.members}")
                    ladder["scenarios"][label] = self.ladder(
                        target, server, identities, scenario.plan(self.plan),
                        list(scenario.rates), scenario.refine,
                    )  # fmt: skip
        ladder["server_log_errors"] = count_errors(server.log())
        return ladder

    def memory(self, name, target, server, identities):
        with self.serving(server):
            log(f"[{name}] memory: {self.args.idle_sockets} idle sockets, one process")
            report = run_async(
                measure_memory(target, server.process.pid, identities, self.args.idle_sockets)
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
            # The load's clients send no heartbeats (the tutorials have none to send): the
            # server would close them as idle in runs longer than CHAT_IDLE_TIMEOUT.
            CHAT_IDLE_TIMEOUT=0,
        )
        (self.workdir / "project").mkdir(exist_ok=True)
        migrated = manage(env, "migrate", "--no-input", check=False)
        if migrated.returncode:
            raise RuntimeError(migrated.stderr)
        identities = self.provision(env, "load", self.plan.identities)
        idle = self.provision(env, "idle", self.args.idle_sockets)
        target = ProjectTarget
        server = LiveServer(
            self.workdir / "project", env, command=web_command(ws=self.args.ws), migrate=False
        )
        result = self.measure("project", target(server.url), server, identities, scenarios=True)
        single = LiveServer(
            self.workdir / "project",
            {**env, "WEB_CONCURRENCY": "1"},
            command=web_command(ws=self.args.ws),
            migrate=False,
        )
        result["memory"] = self.memory("project", target(single.url), single, idle)
        if self.args.storm_sockets:
            storm_users = self.provision(env, "storm", self.args.storm_sockets)
            fresh = LiveServer(
                self.workdir / "project", env, command=web_command(ws=self.args.ws), migrate=False
            )
            result["storm"] = self.storm("project", target(fresh.url), fresh, storm_users)
        return result

    def storm(self, name, target, server, identities):
        args = self.args
        with self.serving(server):
            log(f"[{name}] connect storm: {args.storm_sockets} sockets, {args.storm_in_flight} "
                f"in flight, rooms of {args.storm_room_size}; then a restart")  # fmt: skip
            report = run_async(
                measure_storm(
                    target,
                    server,
                    identities,
                    args.storm_sockets,
                    room_size=args.storm_room_size,
                    in_flight=args.storm_in_flight,
                )  # fmt: skip
            )
        back = f"{report['reconnected']}/{report['sockets']}"
        log(f"[{name}] {report['connects_per_second']} connects/s; {back} back after a restart "
            f"in {report['reconnect_seconds']} s")  # fmt: skip
        return report

    def provision(self, env, prefix, count):
        out = self.workdir / f"{prefix}-tokens.json"
        done = subprocess.run(
            [sys.executable, "-m", "bench.load", "provision", "--prefix", prefix,
             "--count", str(count), "--out", str(out)],
            cwd=PROJECT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"provisioning failed:\n{done.stderr}")
        return read_tokens(out)

    # The baseline --------------------------------------------------------------------------------

    def baseline_env(self, layer, path):
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
        return env

    def baseline(self, layer):
        path = Path(self.args.baseline).resolve()
        env = self.baseline_env(layer, path)
        workdir = self.workdir / f"tutorial-{layer}"
        workdir.mkdir(exist_ok=True)
        command = web_command("scale_ws.asgi:application", cwd=path, ws=self.args.ws)
        server = LiveServer(workdir, env, command=command, migrate=False)
        result = self.measure(
            f"tutorial-{layer}",
            TutorialTarget(server.url),
            server,
            anonymous(self.plan.identities),
            scenarios=layer == README_LAYER,
        )
        single = LiveServer(
            workdir, {**env, "WEB_CONCURRENCY": "1"}, command=command, migrate=False
        )
        idle = anonymous(self.args.idle_sockets)
        result["memory"] = self.memory(
            f"tutorial-{layer}", TutorialTarget(single.url), single, idle
        )
        if layer == README_LAYER:
            result["memory_readme"] = self.readme_memory(layer, path, env, workdir, idle)
            if self.args.storm_sockets:
                fresh = LiveServer(workdir, env, command=command, migrate=False)
                result["storm"] = self.storm(
                    f"tutorial-{layer}", TutorialTarget(fresh.url), fresh,
                    anonymous(self.args.storm_sockets),
                )  # fmt: skip
        return result

    def readme_memory(self, layer, path, env, workdir, idle):
        """The baseline as its README starts it: Uvicorn's defaults, per-message deflate
        included, one process (Uvicorn would read WEB_CONCURRENCY as --workers)."""
        readme = LiveServer(
            workdir,
            {key: value for key, value in env.items() if key != "WEB_CONCURRENCY"},
            command=f"cd {shlex.quote(str(path))} && exec {shlex.quote(sys.executable)} "
            "-m uvicorn scale_ws.asgi:application --host 127.0.0.1 --port $PORT",
            migrate=False,
        )
        return self.memory(
            f"tutorial-{layer} (README command)", TutorialTarget(readme.url), readme, idle
        )

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
