"""Start real Redis and PostgreSQL servers for tests, and stop them again.

The tests talk to the real services, never to mocks: a channel layer, a TLS tunnel or a
database connection can only be trusted once it has worked against the real thing. Each
helper runs its server on a free loopback port with all its files in a directory the test
owns (usually pytest's ``tmp_path``), and stops it even when the test fails: use the
context-manager form, or call ``stop()`` in a fixture's teardown.

- ``RedisServer``: a plaintext Redis with nothing persisted, so ``restart()`` empties it.
- ``TLSRedisServer``: a Redis that listens only on TLS, with a self-signed certificate and a
  password, like Heroku Key-Value Store.
- ``PostgresServer``: a throwaway PostgreSQL cluster tuned for speed, not durability.

A missing binary raises ``MissingService``, whose message names the Debian package to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

START_TIMEOUT = 20  # seconds; a cold PostgreSQL start on a slow CI machine needs a few
STOP_TIMEOUT = 10

# Where Debian keeps binaries that are not on PATH (PostgreSQL's server programs).
EXTRA_BIN_DIRS = ("/usr/lib/postgresql/*/bin", "/usr/local/sbin", "/usr/sbin", "/sbin")


class MissingService(RuntimeError):  # noqa: N818 - the name the fixtures use
    """A server binary the tests need is not installed."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Wait until host:port accepts TCP connections; raise TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{host}:{port} did not accept connections: {exc}") from exc
            time.sleep(0.05)


def find_binary(*names: str) -> str | None:
    """Return the path of the first of names found on PATH or in Debian's extra bin dirs."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for name in names:
        for pattern in EXTRA_BIN_DIRS:
            # Newest PostgreSQL first: sort the versioned dirs numerically, descending.
            candidates = sorted(glob.glob(os.path.join(pattern, name)), key=_version_key)
            for candidate in reversed(candidates):
                if os.access(candidate, os.X_OK):
                    return candidate
    return None


def require_binary(package: str, *names: str) -> str:
    """Return the path of the first of names found, or raise MissingService naming package."""
    found = find_binary(*names)
    if found is None:
        raise MissingService(
            f"{' or '.join(names)} not found; install the Debian package {package!r} "
            f"(apt-get install {package})"
        )
    return found


def _version_key(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part.isdigit()]


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# Servers not yet cleaned up when the interpreter exits, e.g. after an interrupted test run.
_running: set[_Server] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_running):
        server.cleanup()


class _Server:
    """Start, stop and restart one server; subclasses say how to launch and probe it."""

    def start(self):
        """Start the server and wait until it answers; return self."""
        if self.running:
            return self
        _running.add(self)
        try:
            self._launch()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server; do nothing if it is not running."""
        raise NotImplementedError

    def restart(self) -> None:
        """Stop and start the server on the same port."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove what it keeps outside its workdir."""
        self.stop()
        _running.discard(self)

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def _launch(self) -> None:
        raise NotImplementedError

    def _wait_until_ready(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.cleanup()


class RedisServer(_Server):
    """A plaintext redis-server on 127.0.0.1 that keeps nothing on disk."""

    package = "redis-server"

    def __init__(self, workdir: Path, *, timeout: int = 0, port: int | None = None):
        self.workdir = Path(workdir)
        self.timeout = timeout
        self.port = port or free_port()
        self.binary = require_binary(self.package, "redis-server")
        self.log_path = self.workdir / f"redis-{self.port}.log"
        self.password: str | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _args(self) -> list[str]:
        # No RDB and no AOF, so a restart comes back empty, as after a Redis failover.
        return [
            self.binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--timeout", str(self.timeout),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--daemonize", "no",
            "--logfile", "",
        ]  # fmt: skip

    def _launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._args(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if not self.running:
                raise RuntimeError(
                    f"redis-server exited with status {self.process.returncode}:\n"
                    + _log_tail(self.log_path)
                )
            try:
                if self._ping():
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.05)

    def _connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=2)

    def _ping(self) -> bool:
        """Send PING (after AUTH, if there is a password) and say whether Redis answered PONG."""
        with self._connect() as sock:
            if self.password:
                sock.sendall(_resp("AUTH", self.password))
                if not _read_line(sock).startswith(b"+OK"):
                    return False
            sock.sendall(_resp("PING"))
            return _read_line(sock) == b"+PONG"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class TLSRedisServer(RedisServer):
    """A redis-server whose only listener is TLS, with a self-signed certificate and a password.

    It stands in for Heroku Key-Value Store, whose ``rediss://`` URLs carry a password and whose
    certificates are self-signed. Debian's redis-server is built with TLS, so no stunnel is
    needed on the server side.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        timeout: int = 0,
        port: int | None = None,
        password: str | None = None,
    ):
        super().__init__(workdir, timeout=timeout, port=port)
        self.password = password or secrets.token_hex(12)
        self.cert_path = self.workdir / f"redis-{self.port}.crt"
        self.key_path = self.workdir / f"redis-{self.port}.key"
        self.plain_url = None  # there is no plaintext listener

    @property
    def url(self) -> str:
        return f"rediss://:{self.password}@127.0.0.1:{self.port}"

    def _args(self) -> list[str]:
        args = super()._args()
        # --port 0 turns the plaintext listener off.
        args[args.index("--port") + 1] = "0"
        return args + [
            "--tls-port", str(self.port),
            "--tls-cert-file", str(self.cert_path),
            "--tls-key-file", str(self.key_path),
            "--tls-auth-clients", "no",
            "--requirepass", self.password,
        ]  # fmt: skip

    def _launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.cert_path.exists():
            make_self_signed_certificate(self.cert_path, self.key_path)
        super()._launch()

    def _connect(self) -> socket.socket:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        try:
            return context.wrap_socket(raw)
        except BaseException:
            raw.close()
            raise


def make_self_signed_certificate(cert_path: Path, key_path: Path) -> None:
    """Write a self-signed certificate for localhost and 127.0.0.1, valid for two days."""
    openssl = require_binary("openssl", "openssl")
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key_path), "-out", str(cert_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    key_path.chmod(0o600)


def _resp(*parts: str) -> bytes:
    """Encode a Redis command in RESP."""
    encoded = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        encoded.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(encoded)


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data.rstrip(b"\r\n")


class PostgresServer(_Server):
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
                f"pg_ctl start failed:\n{result.stdout}{result.stderr}\n" + _log_tail(self.log_path)
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
