"""Run the project for real: Uvicorn in a subprocess, configured only by its environment.

Integration and browser tests and the benchmark use this to talk to the server exactly as
clients in production do: over TCP on a loopback port. ``LiveServer(command=...)`` runs
another command line instead (the Procfile's web line, the benchmark's baseline).
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from testservers.processes import free_port, start_logged, wait_for_port

PROJECT = Path(__file__).resolve().parent.parent


def base_env(workdir, **overrides):
    """Return production-like settings for a server whose files live in ``workdir``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "REDIS_URL_STUNNEL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "live-tests-only-" + "x" * 40,
            "DEBUG": "false",
            # The tests speak plain HTTP to 127.0.0.1; production redirects to HTTPS.
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            # Uploaded attachments stay in the workdir, never in the project.
            "MEDIA_ROOT": str(Path(workdir) / "media"),
            "PYTHONUNBUFFERED": "1",
            # Users of the tests' servers add each other to rooms directly, as a trusting
            # team does; the invitation tests set "shared" (the default) back.
            "CHAT_ADD_WITHOUT_CONSENT": "anyone",
            # Their users start in no rooms; tests of the default rooms name them.
            "CHAT_DEFAULT_ROOMS": "",
        }
    )
    env.update({key: str(value) for key, value in overrides.items() if value is not None})
    for key in [key for key, value in overrides.items() if value is None]:
        env.pop(key, None)
    return env


def services_env(workdir, redis_url, database_url=None, **overrides):
    """base_env() on a shared Redis (and PostgreSQL), its keys apart from other tests'."""
    if database_url is not None:
        overrides["DATABASE_URL"] = database_url
    prefix = Path(workdir).name[:20]
    return base_env(workdir, REDIS_URL=redis_url, CHANNEL_LAYER_PREFIX=prefix, **overrides)


def manage(env, *args, check=True):
    """Run a manage.py command with the given environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def run_django(env, code):
    """Run Python ``code`` with Django set up (for creating users and rooms)."""
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout


def create_users(env, *usernames, password="pw-for-tests"):
    run_django(
        env,
        f"""
        from django.contrib.auth import get_user_model
        for name in {list(usernames)!r}:
            get_user_model().objects.create_user(username=name, password={password!r})
        """,
    )


class LiveServer:
    """Uvicorn serving config.asgi on a free loopback port.

    ``command`` replaces the default Uvicorn command line (for example the Procfile's web
    line run through bash); it may use $PORT.
    """

    def __init__(self, workdir, env, *, port=None, command=None, migrate=True):
        self.workdir = Path(workdir)
        self.env = dict(env)
        self.port = port or free_port()
        self.command = command
        self.process = None
        self.log_path = self.workdir / f"server-{self.port}.log"
        if migrate:
            manage(self.env, "migrate", "--no-input")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    def start(self, timeout=30):
        env = {**self.env, "PORT": str(self.port)}
        command = self.command or [
            sys.executable, "-m", "uvicorn", "config.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--lifespan", "off",
        ]  # fmt: skip
        if isinstance(command, str):
            command = ["bash", "-c", command]
        self.process = start_logged(command, cwd=PROJECT, env=env, log_path=self.log_path)
        try:
            wait_for_port("127.0.0.1", self.port, timeout)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.log()}") from None
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop the server (and everything it started) and return its exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        status, self.process = self.process.returncode, None
        return status

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
