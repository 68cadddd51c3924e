"""How much of an oversized anonymous request body the server takes in before it answers.

    python -m bench.request_bodies [TOTAL_BYTES] [WORKDIR]

Serves the project with production settings (testservers.live), then for the login page and
the token endpoint sends a body of TOTAL_BYTES (256 MiB by default), declared by
Content-Length and then chunked, 1 MiB at a time over a raw socket, looking for the answer
between writes. It prints the answer, how much the client had sent when it came (what the
kernel's socket buffers held included) and the peak size of the temporary files the server
held open (where Django spools a large body). Loopback only.
"""

import os
import select
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from testservers.live import LiveServer, base_env

CHUNK = 1024 * 1024


def open_files_size(folder):
    """Bytes in the files under ``folder`` that any process holds open (unnamed ones too)."""
    total = 0
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd).startswith(str(folder)):
                total += os.stat(fd).st_size
        except OSError:  # the file or the process went away meanwhile
            continue
    return total


class PeakWatcher(threading.Thread):
    """Samples open_files_size(folder) every 20 ms until stopped; keeps the largest."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.folder, self.peak, self.stopped = folder, 0, threading.Event()

    def run(self):
        while not self.stopped.wait(0.02):
            self.peak = max(self.peak, open_files_size(self.folder))


def send_body(port, path, total, chunked):
    """Stream the body until the server answers; return (status line, bytes sent, seconds)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{length}\r\n"
    sock.sendall(f"{head}Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
    data = b"a" * CHUNK
    if chunked:
        data = f"{CHUNK:x}\r\n".encode() + data + b"\r\n"
    sent, started = 0, time.monotonic()
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(data)
            sent += CHUNK
        if chunked and sent >= total:
            sock.sendall(b"0\r\n\r\n")
        answer = sock.recv(200).decode(errors="replace").split("\r\n")[0]
    except OSError as error:  # the server closed the connection while we were sending
        answer = repr(error)
    finally:
        sock.close()
    return answer, sent, time.monotonic() - started


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 256 * CHUNK
    workdir = Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="bodies-"))
    spool = workdir / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    with LiveServer(workdir, base_env(workdir, TMPDIR=str(spool))) as server:
        for path in ("/accounts/login/", "/api/token/"):
            for chunked in (False, True):
                watcher = PeakWatcher(spool)
                watcher.start()
                answer, sent, seconds = send_body(server.port, path, total, chunked)
                watcher.stopped.set()
                watcher.join()
                print(
                    f"{path} {'chunked' if chunked else 'declared'}: {answer!r}; the client had"
                    f" sent {sent / CHUNK:.1f} of {total / CHUNK:.0f} MiB; peak spooled"
                    f" {watcher.peak / CHUNK:.1f} MiB; {seconds:.2f} s"
                )


if __name__ == "__main__":
    main()
