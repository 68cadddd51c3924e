"""An OpenID Connect identity provider on 127.0.0.1 (testservers/oidc): allauth's own, run
with Django's development server, its users and its one client made at start.

The single sign-on tests log in there exactly as a person would at Google Workspace, Entra
ID, Okta or Keycloak: the chat redirects to it, it asks for a password, and redirects back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from testservers import processes
from testservers.processes import Server

PROJECT = Path(__file__).resolve().parent.parent
CLIENT_ID = "chat-tests"
CLIENT_SECRET = "chat-tests-secret-" + "y" * 20

SETUP = """
import django
django.setup()
from django.contrib.auth import get_user_model
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
for username, email in {users!r}:
    user = get_user_model().objects.create_user(username, email, {password!r})
    if email:  # a user without one: the provider vouches for no address
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
client = Client(id={client_id!r}, name="Chat", redirect_uris={redirect_uri!r}, skip_consent=True,
                scopes="openid\\nprofile\\nemail", default_scopes="openid\\nprofile\\nemail")
client.set_secret({client_secret!r})
client.save()
"""


class OIDCProvider(Server):
    def __init__(self, workdir: Path, redirect_uri: str, users, password: str):
        self.workdir = Path(workdir)
        self.port = processes.free_port()
        self.redirect_uri, self.users, self.password = redirect_uri, users, password
        self.log_path = self.workdir / f"oidc-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "testservers.oidc.settings",
            "OIDC_DATABASE": str(self.workdir / "oidc.sqlite3"),
            "OIDC_PRIVATE_KEY_FILE": str(self.workdir / "oidc-key.pem"),
            "PYTHONPATH": str(PROJECT),
        }

    def _prepare(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (self.workdir / "oidc-key.pem").write_bytes(pem)
        run = {"cwd": PROJECT, "env": self._env(), "check": True, "capture_output": True}
        subprocess.run([sys.executable, "-m", "django", "migrate", "--no-input"], **run)
        script = SETUP.format(
            users=list(self.users),
            password=self.password,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uri=self.redirect_uri,
        )
        subprocess.run([sys.executable, "-c", textwrap.dedent(script)], **run)

    def _launch(self) -> None:
        if not (self.workdir / "oidc.sqlite3").exists():
            self._prepare()
        self.process = processes.start_logged(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}",
             "--noreload"],
            cwd=PROJECT, env=self._env(), log_path=self.log_path,
        )  # fmt: skip

    def _wait_until_ready(self) -> None:
        processes.wait_for_port("127.0.0.1", self.port, processes.START_TIMEOUT)

    def stop(self) -> None:
        if self.process is not None:
            processes.terminate(self.process)
            self.process = None
