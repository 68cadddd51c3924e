"""An SMTP server on 127.0.0.1: aiosmtpd, keeping every message it accepts in a Maildir.

The digest emails are tested against this real server, over a real SMTP conversation, not
against Django's in-memory backend: what the project's mail settings send is what arrives.
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import mailbox
import os
import subprocess
import sys
from pathlib import Path

from testservers import processes
from testservers.processes import MissingService, Server


class SMTPServer(Server):
    def __init__(self, workdir: Path):
        if importlib.util.find_spec("aiosmtpd") is None:
            raise MissingService("aiosmtpd not installed; install the test group")
        self.workdir = Path(workdir)
        self.port = processes.free_port()
        self.maildir = self.workdir / "maildir"
        self.log_path = self.workdir / f"smtp-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        """The settings that send the project's email to this server."""
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}

    def raw_messages(self) -> list[bytes]:
        """Every message received so far, oldest first, as the server got it."""
        box = mailbox.Maildir(self.maildir, create=False)
        # A Maildir key starts with its delivery time.
        return [box.get_bytes(key) for key in sorted(box.keys())]

    def messages(self) -> list[email.message.EmailMessage]:
        """Every message received so far, oldest first, parsed."""
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for raw in self.raw_messages()
        ]

    def _launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.maildir, create=True)
        self.process = processes.start_logged(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            cwd=self.workdir, env=dict(os.environ), log_path=self.log_path,
        )  # fmt: skip

    def _wait_until_ready(self) -> None:
        processes.wait_for_port("127.0.0.1", self.port, processes.START_TIMEOUT)

    def stop(self) -> None:
        if self.process is not None:
            processes.terminate(self.process)
            self.process = None
