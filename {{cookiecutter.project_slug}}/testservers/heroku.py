"""An app as Heroku runs it: a built slug, config vars from app.json, a release phase, web
dynos, restarts.

``build_slug`` does what the Python buildpack does to the repository: a copy of the project
(without what .gitignore keeps out of git) with its static files collected into it.
``HerokuApp`` takes what the Deploy button reads (app.json's env and formation) and what the
add-ons set (their URLs), runs the Procfile's release command, then its web command once per
dyno with PORT, DYNO=web.N and the config vars as the whole environment, behind one
``HerokuRouter`` on the app's random ``<name>-<12 hex>.herokuapp.com`` host. A restart starts
the new dyno, routes new requests to it, then stops the old one as Heroku stops a dyno:
SIGTERM to every process in it, SIGKILL 30 s later.

What it cannot be: each dyno is a process group on this machine, not an isolated container,
so dynos share the loopback interface (each tunnels Redis on a port of its own) and the
filesystem.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from testservers.live import PROJECT
from testservers.processes import free_port, start_logged, wait_for_port
from testservers.router import HerokuRouter

KILL_AFTER = 30  # seconds from SIGTERM to SIGKILL when Heroku stops a dyno
# What git leaves out of the repository (.gitignore), so out of a slug too.
NOT_IN_GIT = (".env", ".venv", "__pycache__", "*.pyc", "db.sqlite3*", "staticfiles",
              ".pytest_cache", ".ruff_cache", ".mypy_cache", ".coverage", "test-artifacts",
              "bench-report.json", ".tools")  # fmt: skip


def build_slug(workdir: Path) -> Path:
    """Copy the project to workdir/slug and run collectstatic there, as a build does."""
    slug = Path(workdir) / "slug"
    shutil.copytree(PROJECT, slug, ignore=shutil.ignore_patterns(*NOT_IN_GIT), symlinks=True)
    env = dyno_environment({"SECRET_KEY": secrets.token_hex(32)}, Path(workdir))
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=slug,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{result.stdout}{result.stderr}")
    return slug


def config_vars(app_json: dict) -> dict[str, str]:
    """Return the config vars the Deploy button sets from app.json's env, with nobody typing.

    A ``value`` is taken as it is; ``generator: secret`` gets 64 random hex characters.
    """
    config = {}
    for name, spec in app_json.get("env", {}).items():
        if isinstance(spec, str):
            config[name] = spec
        elif spec.get("generator") == "secret":
            config[name] = secrets.token_hex(32)
        elif "value" in spec:
            config[name] = str(spec["value"])
    return config


def dyno_environment(config: dict[str, str], workdir: Path) -> dict[str, str]:
    """A dyno's environment: the config vars and what the platform adds, nothing inherited.

    PATH leads to this interpreter's bin directory, as the Python buildpack's does to the
    slug's; a slug holds no .env (it is git-ignored), so none is read. Heroku's router
    reaches a dyno from a private address, which Uvicorn does not trust by default; this
    router is on loopback, which it does trust (FORWARDED_ALLOW_IPS defaults to 127.0.0.1 and
    ::1), so that default names another address here: only the web line's own
    --forwarded-allow-ips makes the dyno believe the router's X-Forwarded-* headers.
    """
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "FORWARDED_ALLOW_IPS": "192.0.2.1",
        **config,
    }


class Dyno:
    """One process type's command under bash, in a process group of its own."""

    def __init__(
        self,
        name: str,
        command: str,
        env: dict[str, str],
        workdir: Path,
        slug: Path,
        address: str = "127.0.0.1",
    ):
        self.name = name
        self.address = address  # where the router reaches the dyno (its generation's family)
        self.slug = slug
        self.port = free_port()
        self.workdir = Path(workdir)
        self.command = command
        # Each dyno tunnels Redis on its own local port: here the dynos share one loopback.
        self.env = {**env, "PORT": str(self.port), "DYNO": name}
        self.env["STUNNEL_BASE_PORT"] = str(free_port())
        self.log_path = self.workdir / f"{name}-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self._killer: threading.Timer | None = None

    def start(self, timeout: float = 60) -> Dyno:
        self.process = start_logged(
            ["bash", "-c", self.command], cwd=self.slug, env=self.env, log_path=self.log_path
        )
        try:
            wait_for_port(self.address, self.port, timeout)
        except TimeoutError:
            self.kill()
            raise RuntimeError(f"{self.name} did not start:\n{self.log()}") from None
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self, kill_after: float = KILL_AFTER) -> None:
        """Send SIGTERM to every process of the dyno; SIGKILL those left after kill_after s."""
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        self._killer = threading.Timer(kill_after, self.kill)
        self._killer.daemon = True
        self._killer.start()

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.killpg(self.process.pid, signal.SIGKILL)

    def wait(self, timeout: float = KILL_AFTER + 10) -> int:
        """Wait for the dyno's command to exit and return its status."""
        status = self.process.wait(timeout)
        if self._killer is not None:
            self._killer.cancel()
        return status

    def stop(self) -> int | None:
        if self.process is None:
            return None
        self.terminate()
        return self.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class HerokuApp:
    """An app deployed from app.json on Heroku's add-ons, its web dynos behind the router."""

    def __init__(
        self,
        workdir: Path,
        *,
        slug: Path,
        app_json: dict,
        procfile: dict[str, str],
        addons: dict[str, str],
        config: dict[str, str] | None = None,
        domains: tuple[str, ...] = (),
        generation: str = "cedar",
    ):
        self.workdir = Path(workdir)
        self.slug = Path(slug)
        self.name = f"chat-{secrets.token_hex(6)}"
        self.host = f"{self.name}.herokuapp.com"
        self.procfile = procfile
        # What the add-ons set override app.json; ``config`` stands for `heroku config:set`
        # (and a value of None for `heroku config:unset`).
        self.config = {**config_vars(app_json), **addons}
        for key, value in (config or {}).items():
            if value is None:
                self.config.pop(key, None)
            else:
                self.config[key] = str(value)
        self.env = dyno_environment(self.config, self.workdir)
        self.quantity = app_json.get("formation", {}).get("web", {}).get("quantity", 1)
        # Custom domains added to the app (`heroku domains:add`): the router routes them.
        # The router reaches dynos over IPv4 on Cedar (the Common Runtime), IPv6 on Fir.
        self.dyno_address = {"cedar": "127.0.0.1", "fir": "::1"}[generation]
        router_address = f"[{self.dyno_address}]" if ":" in self.dyno_address else self.dyno_address
        self.router = HerokuRouter(
            self.workdir / "router", [self.host, *domains], [], dyno_address=router_address
        )
        self.dynos: list[Dyno] = []
        self.retired: list[Dyno] = []  # replaced by a restart, stopped or stopping
        self._runs = 0

    def run(self, *args: str, process_type: str = "run", timeout: float = 120):
        """Run a one-off dyno (``heroku run``, or the release phase) and return its result."""
        self._runs += 1
        env = {**self.env, "DYNO": f"{process_type}.{self._runs}"}
        return subprocess.run(
            ["bash", "-c", " ".join(args)],
            cwd=self.slug,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def release(self) -> None:
        result = self.run(self.procfile["release"], process_type="release")
        if result.returncode != 0:
            raise RuntimeError(f"release failed:\n{result.stdout}{result.stderr}")

    def deploy(self, quantity: int | None = None) -> HerokuApp:
        """Release, start the formation's web dynos, then the router in front of them."""
        self.release()
        self.scale(quantity or self.quantity)
        self.router.start()
        return self

    def scale(self, quantity: int) -> None:
        while len(self.dynos) < quantity:
            self.dynos.append(self._web(len(self.dynos) + 1).start())
        while len(self.dynos) > quantity:
            self.dynos.pop().stop()
        if self.router.running:
            self.router.route_to(self.ports())
        else:
            self.router.dyno_ports = self.ports()

    def restart(self, index: int) -> Dyno:
        """Replace dyno ``index`` (0-based) as a restart does; return the old, draining one.

        The new dyno starts and takes new requests before the old one gets SIGTERM, so for a
        while both run: the moment the connection budgets must allow for.
        """
        old = self.start_replacement(index)
        old.terminate()
        return old

    def start_replacement(self, index: int) -> Dyno:
        """The first half of a restart: the new dyno up and routed to, the old one untouched."""
        old = self.dynos[index]
        self.dynos[index] = self._web(index + 1).start()
        self.router.route_to(self.ports())
        self.retired.append(old)
        return old

    def ports(self) -> list[int]:
        return [dyno.port for dyno in self.dynos]

    def _web(self, number: int) -> Dyno:
        return Dyno(
            f"web.{number}",
            self.procfile["web"],
            self.env,
            self.workdir,
            self.slug,
            address=self.dyno_address,
        )

    def stop(self) -> None:
        for dyno in [*self.dynos, *self.retired]:
            dyno.terminate()
        for dyno in [*self.dynos, *self.retired]:
            if dyno.process is not None:
                dyno.wait()
        self.router.cleanup()

    def __enter__(self) -> HerokuApp:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
