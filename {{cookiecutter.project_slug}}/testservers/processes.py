"""What every server here shares: binaries, free loopback ports, start and stop.

The tests and the benchmark talk to real services, never to mocks: a channel layer, a TLS
tunnel or a database connection can only be trusted once it has worked against the real
thing. Each server runs on a free loopback port with all its files in a directory the caller
owns (pytest's ``tmp_path``, the benchmark's workdir), and stops even when the caller fails:
use the context-manager form, or call ``stop()`` in a fixture's teardown.

A missing binary raises ``MissingService``, whose message names the Debian package to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

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


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# Servers not yet cleaned up when the interpreter exits, e.g. after an interrupted test run.
_running: set[Server] = set()


def start_logged(command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path):
    """Start ``command`` in a process group of its own, its output appended to ``log_path``.

    The group lets a caller signal the command and everything it started (a shell, the
    tunnel, Uvicorn's workers) together.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def terminate(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a server process with SIGTERM, and SIGKILL if it is still there after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_running):
        server.cleanup()


class Server:
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
