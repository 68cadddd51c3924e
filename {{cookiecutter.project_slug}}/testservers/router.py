"""Heroku's router, played by nginx on a loopback port.

What it does as Heroku's router does: ends TLS (a throwaway certificate for *.herokuapp.com and
the app's own domains), routes only the app's hosts to its web dynos (round robin, over IPv6)
and answers any other host 404 ("no such app"), sets X-Forwarded-For/Proto/Port and X-Request-Id
(the client's own id when it looks like one), logs every request line with its query string,
gives a response 30 s to its first byte and closes a WebSocket after 55 s without a byte.

Clients reach it as they would reach the app's public address: they connect to 127.0.0.1 on
``port`` and send the app's host name as SNI and Host, without a port (the router stands for
port 443, and says so in X-Forwarded-Port).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from testservers.processes import (
    START_TIMEOUT,
    Server,
    free_port,
    log_tail,
    require_binary,
    terminate,
)
from testservers.tls_redis import make_self_signed_certificate

# Heroku's router timeouts (devcenter "HTTP Routing", "Request Timeout"): 30 s for the first
# byte of a response, then a rolling 55 s window; WebSockets get the same window.
FIRST_BYTE_TIMEOUT = 30
IDLE_TIMEOUT = 55
PUBLIC_PORT = 443

CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log notice;
{user}
events {{ worker_connections 1024; }}

http {{
    client_body_temp_path {workdir}/tmp/body;
    proxy_temp_path {workdir}/tmp/proxy;
    fastcgi_temp_path {workdir}/tmp/fastcgi;
    uwsgi_temp_path {workdir}/tmp/uwsgi;
    scgi_temp_path {workdir}/tmp/scgi;

    # One line per request, like Heroku's router log: the full path with its query string.
    log_format heroku 'at=info method=$request_method path="$request_uri" host=$host '
                      'request_id=$heroku_request_id fwd="$remote_addr" '
                      'dyno=$upstream_addr status=$status bytes=$bytes_sent '
                      'service=$request_time protocol=https';
    access_log {access_log} heroku;

    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    # Heroku keeps a client's X-Request-Id of 20 to 200 such characters, else makes one.
    map $http_x_request_id $heroku_request_id {{
        "~^[A-Za-z0-9+=/_-]{{20,200}}$" $http_x_request_id;
        default $request_id;
    }}

    upstream web {{
{upstreams}
    }}

    ssl_certificate {cert};
    ssl_certificate_key {key};

    # Any host that is not the app's: Heroku's "no such app".
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        server_name _;
        return 404 "no such app\\n";
    }}

    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {hosts};

        proxy_http_version 1.1;
        proxy_buffering off;
        proxy_connect_timeout 5s;
        # Whatever the client sent is replaced, as Heroku's router does, except that
        # X-Forwarded-For gets the client's address appended.
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;
        proxy_set_header X-Forwarded-Port {public_port};
        proxy_set_header X-Request-Id $heroku_request_id;
        proxy_set_header X-Request-Start "t=$msec";

        location / {{
            proxy_pass http://web;
            proxy_read_timeout {first_byte_timeout};
            proxy_send_timeout {first_byte_timeout};
        }}
        location /ws/ {{
            proxy_pass http://web;
            proxy_read_timeout {idle_timeout};
            proxy_send_timeout {idle_timeout};
        }}
    }}
}}
"""


class HerokuRouter(Server):
    """nginx routing ``hosts`` over TLS to the web dynos on ``dyno_ports`` (see the module)."""

    package = "nginx"

    def __init__(
        self,
        workdir: Path,
        hosts: list[str],
        dyno_ports: list[int],
        *,
        port: int | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        first_byte_timeout: float = FIRST_BYTE_TIMEOUT,
        dyno_address: str = "127.0.0.1",
    ):
        self.workdir = Path(workdir)
        self.hosts = list(hosts)
        self.dyno_address = dyno_address  # 127.0.0.1 (Cedar) or [::1] (Fir)
        self.dyno_ports = list(dyno_ports)
        self.port = port or free_port()
        self.idle_timeout = idle_timeout
        self.first_byte_timeout = first_byte_timeout
        self.binary = require_binary(self.package, "nginx")
        self.config_path = self.workdir / "nginx.conf"
        self.access_log = self.workdir / "access.log"
        self.cert_path = self.workdir / "router.crt"
        self.key_path = self.workdir / "router.key"
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def render(self) -> str:
        """Return the nginx configuration for the current hosts and dynos."""
        # Cedar's router reaches dynos over IPv4, Fir's over IPv6: a web process bound to
        # one family only is unreachable from the other generation.
        upstreams = "\n".join(
            f"        server {self.dyno_address}:{port};" for port in self.dyno_ports
        )
        return CONFIG.format(
            workdir=self.workdir,
            # As root nginx would hand its workers to "nobody", who cannot reach pytest's
            # private temp dirs; they run as the caller instead.
            user="user root;" if os.geteuid() == 0 else "",
            access_log=self.access_log,
            upstreams=upstreams,
            cert=self.cert_path,
            key=self.key_path,
            port=self.port,
            hosts=" ".join(self.hosts),
            public_port=PUBLIC_PORT,
            first_byte_timeout=_seconds(self.first_byte_timeout),
            idle_timeout=_seconds(self.idle_timeout),
        )

    def _launch(self) -> None:
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        if not self.cert_path.exists():
            names = ("DNS:*.herokuapp.com", *(f"DNS:{host}" for host in self.hosts))
            make_self_signed_certificate(self.cert_path, self.key_path, names)
        self.config_path.write_text(self.render())
        self.access_log.touch()
        with open(self.workdir / "nginx.out", "ab") as out:
            self.process = subprocess.Popen(
                [self.binary, "-p", str(self.workdir), "-c", str(self.config_path),
                 "-e", str(self.workdir / "error.log")],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while self.workers() == set():
            if not self.running:
                raise RuntimeError("nginx exited:\n" + log_tail(self.workdir / "error.log"))
            if time.monotonic() >= deadline:
                raise TimeoutError("nginx started no worker")
            time.sleep(0.05)

    def workers(self) -> set[int]:
        """Return the pids of the master's workers that take new connections."""
        if not self.running:
            return set()
        found = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            title = cmdline.replace(b"\0", b" ").strip()
            if parent == self.process.pid and title == b"nginx: worker process":
                found.add(int(pid))
        return found

    def route_to(self, dyno_ports: list[int]) -> None:
        """Send new requests to these dynos; requests under way stay where they are."""
        self.dyno_ports = list(dyno_ports)
        self.config_path.write_text(self.render())
        before = self.workers()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        # The new configuration is live once a worker started after the reload is up and every
        # old worker has closed its listening socket: until then an old one, which keeps the
        # connections it holds (open WebSockets), may still accept a new one for the old dynos.
        while not self.workers() - before or self._listening(before):
            if time.monotonic() >= deadline:
                raise TimeoutError("nginx did not reload:\n" + log_tail(self.workdir / "error.log"))
            time.sleep(0.05)

    def _listening(self, pids: set[int]) -> set[int]:
        """Those of ``pids`` that still hold the router's listening socket."""
        listening = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                # local address "ADDR:PORT" in hex, state 0A = LISTEN, then the socket's inode
                if fields[3] == "0A" and int(fields[1].rpartition(":")[2], 16) == self.port:
                    listening.add(f"socket:[{fields[9]}]")
        holding = set()
        for pid in pids:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue  # gone
            for fd in fds:
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in listening:
                        holding.add(pid)
                        break
        return holding

    def log_lines(self) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        if self.process is None:
            return
        # SIGTERM is nginx's fast shutdown: open connections close at once.
        terminate(self.process)
        self.process = None


def _seconds(value: float) -> str:
    """nginx time units: whole seconds, or milliseconds for fractions."""
    return f"{value:g}s" if float(value).is_integer() else f"{round(value * 1000)}ms"
