"""A TLS-only Redis with a password and a self-signed certificate, like Heroku's."""

from __future__ import annotations

import secrets
import socket
import ssl
import subprocess
from pathlib import Path

from testservers.processes import require_binary
from testservers.redis_server import RedisServer


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
        maxclients: int = 10_000,
    ):
        super().__init__(workdir, timeout=timeout, port=port, maxclients=maxclients)
        self.password = password or secrets.token_hex(12)
        self.cert_path = self.workdir / f"redis-{self.port}.crt"
        self.key_path = self.workdir / f"redis-{self.port}.key"

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


def make_self_signed_certificate(
    cert_path: Path, key_path: Path, names: tuple[str, ...] = ("DNS:localhost", "IP:127.0.0.1")
) -> None:
    """Write a self-signed certificate for ``names`` (subjectAltName entries), valid two days.

    A client that trusts the certificate file itself as its CA can verify it, as a browser
    verifies a real one.
    """
    openssl = require_binary("openssl", "openssl")
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", f"/CN={names[0].partition(':')[2]}",
            "-addext", f"subjectAltName={','.join(names)}",
            "-keyout", str(key_path), "-out", str(cert_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    key_path.chmod(0o600)
