"""A throwaway PostgreSQL cluster: tuned for speed in the tests, durable for the benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from testservers.processes import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    Server,
    free_port,
    log_tail,
    require_binary,
    wait_for_port,
)


class PostgresServer(Server):
    """A throwaway PostgreSQL cluster on 127.0.0.1 with trust authentication.

    initdb and postgres refuse to run as root, so as root they run as the ``postgres`` system
    user. That user must reach the data directory: pytest's temp dirs sit under a mode-700
    parent, so when it cannot, the cluster goes to a private directory under the system temp
    dir instead, linked from ``workdir/pgdata`` and removed by ``cleanup()`` (and ``__exit__``).
    """

    package = "postgresql"
    system_user = "postgres"

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        max_connections: int = 100,
        durable: bool = False,
    ):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.max_connections = max_connections
        # PostgreSQL's default durability (fsync on every commit) when True: what a
        # deployment runs, so the benchmark measures it; tests skip it for speed.
        self.durable = durable
        self.initdb = require_binary(self.package, "initdb")
        self.pg_ctl = require_binary(self.package, "pg_ctl")
        self.as_root = os.geteuid() == 0
        self.datadir: Path | None = None
        self._private_dir: Path | None = None
        self._started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def running(self) -> bool:
        return self._started

    @property
    def log_path(self) -> Path:
        return self.datadir.parent / "postgres.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", self.system_user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def _prepare(self) -> None:
        """Create the cluster once; later starts reuse it."""
        if self.datadir is not None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        base = self.workdir
        if self.as_root:
            shutil.chown(self.workdir, self.system_user)
            reachable = self._run("test", "-w", str(self.workdir), check=False).returncode == 0
            if not reachable:
                base = self._private_dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
                shutil.chown(base, self.system_user)
                (self.workdir / "pgdata").symlink_to(base)
        self.datadir = base / "data"
        result = self._run(
            self.initdb, "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--no-instructions", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def _launch(self) -> None:
        self._prepare()
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir.parent} "
            f"-c max_connections={self.max_connections}"
        )
        if not self.durable:
            # Durability is pointless for a throwaway test cluster and slows every test down.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        result = self._run(
            self.pg_ctl, "start", "-D", str(self.datadir), "-l", str(self.log_path),
            "-w", "-t", str(START_TIMEOUT), "-o", options, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed:\n{result.stdout}{result.stderr}\n" + log_tail(self.log_path)
            )
        self._started = True

    def _wait_until_ready(self) -> None:
        # pg_ctl -w has already waited for the server to accept connections.
        wait_for_port("127.0.0.1", self.port, START_TIMEOUT)

    def stop(self) -> None:
        if not self._started:
            return
        result = self._run(
            self.pg_ctl, "stop", "-D", str(self.datadir), "-m", "fast", "-w",
            "-t", str(STOP_TIMEOUT), check=False,
        )  # fmt: skip
        if result.returncode != 0:
            self._run(self.pg_ctl, "stop", "-D", str(self.datadir), "-m", "immediate", check=False)
        self._started = False

    def cleanup(self) -> None:
        """Stop the server and remove a cluster kept outside workdir."""
        super().cleanup()
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
            self.datadir = None

    def create_database(self, name: str) -> str:
        """Create database name and return its URL."""
        # Imported here so that the Redis helpers work without a database driver.
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgres://postgres@127.0.0.1:{self.port}/{quote(name, safe='')}"
