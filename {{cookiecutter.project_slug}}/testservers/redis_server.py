"""A plaintext Redis on 127.0.0.1 with nothing persisted, so ``restart()`` empties it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from testservers import processes
from testservers.processes import Server


class RedisServer(Server):
    """A plaintext redis-server on 127.0.0.1 that keeps nothing on disk."""

    package = "redis-server"

    def __init__(
        self,
        workdir: Path,
        *,
        timeout: int = 0,
        port: int | None = None,
        maxclients: int = 10_000,
    ):
        self.workdir = Path(workdir)
        self.timeout = timeout
        # Redis's own default; a plan's connection limit (20 on Heroku's mini) when smaller.
        self.maxclients = maxclients
        self.port = port or processes.free_port()
        self.binary = processes.require_binary(self.package, "redis-server")
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
            "--maxclients", str(self.maxclients),
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
        deadline = time.monotonic() + processes.START_TIMEOUT
        while True:
            if not self.running:
                raise RuntimeError(
                    f"redis-server exited with status {self.process.returncode}:\n"
                    + processes.log_tail(self.log_path)
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
        processes.terminate(self.process)
        self.process = None


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
