"""Test bin/start-stunnel with a real stunnel in front of a real TLS-only Redis.

Each test runs the wrapper as a subprocess around a small Python program (the "app") that
uses the tunnel with redis-py, then checks what the app saw and how the wrapper exited.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.helpers import start_service
from testservers.processes import find_binary, free_port, require_binary, wait_for_port
from testservers.tls_redis import TLSRedisServer

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "start-stunnel"
FALLBACK = "; running the command without a tunnel"
TUNNEL_FAILED = 70

pytestmark = pytest.mark.timeout(60)

# The app programs, run with this interpreter so that redis-py is importable.
SET_GET_APP = """
import json, os, redis
url = os.environ["REDIS_URL_STUNNEL"]
client = redis.Redis.from_url(url, socket_timeout=5)
client.set("tunnel-key", "through the tunnel")
print(json.dumps({"url": url, "value": client.get("tunnel-key").decode()}))
"""

# Report what the app sees of the wrapper, then exit with the status given as argv[1].
INSPECT_APP = """
import glob, json, os, sys
[pid_file] = glob.glob(os.path.join(os.environ["TMPDIR"], "start-stunnel.*", "stunnel.pid"))
[conf] = glob.glob(os.path.join(os.environ["TMPDIR"], "start-stunnel.*", "stunnel.conf"))
print(json.dumps({
    "stunnel_pid": int(open(pid_file).read()),
    "conf_mode": os.stat(conf).st_mode & 0o777,
    "dir_mode": os.stat(os.path.dirname(conf)).st_mode & 0o777,
}))
sys.exit(int(sys.argv[1]))
"""

# Wait for SIGTERM, then use the tunnel with a new connection while "draining".
DRAIN_APP = """
import json, os, signal, sys, time
from pathlib import Path
import redis
ready, marker = Path(sys.argv[1]), Path(sys.argv[2])
received = []
signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
ready.write_text(str(os.getpid()))
deadline = time.monotonic() + 30
while not received and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.5)  # give a wrongly signalled stunnel time to die
client = redis.Redis.from_url(os.environ["REDIS_URL_STUNNEL"], socket_timeout=5)
client.set("drain", "still tunnelled")
marker.write_text(json.dumps({"sigterm": len(received), "value": client.get("drain").decode()}))
"""

# Sleep until SIGTERM, note it, exit 0; with argv[3] == "ignore", ignore SIGTERM instead.
SLEEPING_APP = """
import os, signal, sys, time
from pathlib import Path
ready, marker = Path(sys.argv[1]), Path(sys.argv[2])
def on_term(signum, frame):
    marker.write_text("SIGTERM")
    sys.exit(0)
ignore = sys.argv[3:] == ["ignore"]
signal.signal(signal.SIGTERM, signal.SIG_IGN if ignore else on_term)
ready.write_text(str(os.getpid()))
time.sleep(50)
"""

FALLBACK_APP = """
import json, os
print(json.dumps({
    "pid": os.getpid(),
    "REDIS_URL": os.environ.get("REDIS_URL"),
    "REDIS_URL_STUNNEL": os.environ.get("REDIS_URL_STUNNEL"),
}))
"""


def app(code: str, *args: str) -> list[str]:
    """Return the command that runs an app program."""
    return [sys.executable, "-c", textwrap.dedent(code), *args]


def free_port_pair() -> int:
    """Return a port p such that p and p + 1 are both free on 127.0.0.1."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two consecutive free ports")


def wrapper_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """Return an environment for the wrapper, free of inherited Redis, stunnel and LISTEN_* vars.

    TMPDIR points at tmp_path so that tests can find the wrapper's stunnel.pid. A value of
    None removes the variable.
    """
    prefixes = ("REDIS_", "STUNNEL_", "LISTEN_", "HEROKU_REDIS")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env["TMPDIR"] = str(tmp_path)
    env["STUNNEL_BASE_PORT"] = str(free_port())
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_wrapper(
    env: dict[str, str], command: list[str], preexec_fn=None
) -> subprocess.CompletedProcess:
    """Run the wrapper to completion in its own process group, which is killed afterwards.

    Killing the group leaves no stunnel behind when the wrapper hangs or is killed.
    """
    process = subprocess.Popen(
        [str(SCRIPT), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    try:
        stdout, stderr = process.communicate(timeout=40)
    finally:
        kill_group(process)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    result.pid = process.pid
    return result


def kill_group(process: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):  # the group is empty: everything has exited
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def spawn_wrapper(env: dict[str, str], command: list[str], tmp_path: Path):
    """Start the wrapper in its own process group; kill the group if the test leaves it running."""
    with open(tmp_path / "wrapper.out", "wb") as out, open(tmp_path / "wrapper.err", "wb") as err:
        process = subprocess.Popen(
            [str(SCRIPT), *command], env=env, stdout=out, stderr=err, start_new_session=True
        )
    try:
        yield process
    finally:
        kill_group(process)


def stderr_of(tmp_path: Path) -> str:
    return (tmp_path / "wrapper.err").read_text()


def wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 20) -> str:
    """Wait until the app has written path; fail early if the wrapper exits first."""
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        assert process.poll() is None, f"wrapper exited with {process.returncode}"
        assert time.monotonic() < deadline, f"{path.name} was not written"
        time.sleep(0.05)
    return path.read_text()


def stunnel_pid(tmp_path: Path) -> int:
    [pid_file] = tmp_path.glob("start-stunnel.*/stunnel.pid")
    return int(pid_file.read_text())


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def stunnel_binary() -> str:
    return start_service(lambda: require_binary("stunnel4", "stunnel4", "stunnel"))


@pytest.fixture
def tls_redis(tmp_path, stunnel_binary):
    server = start_service(lambda: TLSRedisServer(tmp_path / "redis"))
    with server:
        yield server


def read_directly(server: TLSRedisServer, db: int, key: str) -> bytes | None:
    """Read key from the TLS server itself, bypassing the tunnel."""
    client = redis.Redis.from_url(f"{server.url}/{db}", ssl_cert_reqs=None, socket_timeout=5)
    try:
        return client.get(key)
    finally:
        client.close()


def test_rediss_url_is_tunnelled(tmp_path, tls_redis):
    env = wrapper_env(tmp_path, REDIS_URL=f"{tls_redis.url}/3")

    result = run_wrapper(env, app(SET_GET_APP))

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["value"] == "through the tunnel"
    url = urlsplit(seen["url"])
    assert url.scheme == "redis"
    assert url.hostname == "127.0.0.1"
    assert url.port == int(env["STUNNEL_BASE_PORT"])
    assert url.password == tls_redis.password
    assert url.path == "/3"
    assert read_directly(tls_redis, 3, "tunnel-key") == b"through the tunnel"
    assert not list(tmp_path.glob("start-stunnel.*")), "the temp dir was left behind"


def test_legacy_redis_url_is_tunnelled_to_the_next_port(tmp_path, tls_redis):
    # Heroku's old server-side stunnel listened on the port after the plaintext one.
    legacy_url = f"redis://:{tls_redis.password}@127.0.0.1:{tls_redis.port - 1}/0"
    env = wrapper_env(tmp_path, REDIS_URL=legacy_url)

    result = run_wrapper(env, app(SET_GET_APP))

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["value"] == "through the tunnel"
    assert urlsplit(seen["url"]).port == int(env["STUNNEL_BASE_PORT"])
    assert f"TLS 127.0.0.1:{tls_redis.port}" in result.stderr
    assert read_directly(tls_redis, 0, "tunnel-key") == b"through the tunnel"


def test_every_url_named_in_redis_stunnel_urls_gets_a_tunnel(tmp_path, tls_redis):
    with TLSRedisServer(tmp_path / "other-redis") as other:
        base_port = free_port_pair()
        env = wrapper_env(
            tmp_path,
            REDIS_STUNNEL_URLS="REDIS_URL OTHER_REDIS_URL UNSET_REDIS_URL",
            REDIS_URL=f"{tls_redis.url}/1",
            OTHER_REDIS_URL=f"redis://:{other.password}@127.0.0.1:{other.port - 1}/2",
            STUNNEL_BASE_PORT=str(base_port),
        )
        code = """
        import json, os
        print(json.dumps({k: v for k, v in os.environ.items() if k.endswith("_STUNNEL")}))
        """

        result = run_wrapper(env, app(code))

        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {
            "REDIS_URL_STUNNEL": f"redis://:{tls_redis.password}@127.0.0.1:{base_port}/1",
            "OTHER_REDIS_URL_STUNNEL": f"redis://:{other.password}@127.0.0.1:{base_port + 1}/2",
        }


@pytest.mark.parametrize(
    "listen_env",
    [
        {"LISTEN_PID": "", "LISTEN_FDS": "1"},
        {"LISTEN_PID": "not-a-pid", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "redis"},
    ],
    ids=["empty-LISTEN_PID", "bogus-LISTEN_PID"],
)
def test_systemd_listen_variables_do_not_crash_stunnel(tmp_path, tls_redis, listen_env):
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url, **listen_env)

    result = run_wrapper(env, app(SET_GET_APP))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value"] == "through the tunnel"
    assert "systemd initialization failed" not in result.stderr


def test_stunnel_itself_crashes_on_an_empty_listen_pid(tmp_path, tls_redis, stunnel_binary):
    """Show the hazard the wrapper avoids: stunnel aborts when LISTEN_PID is empty."""
    version = subprocess.run(
        [stunnel_binary, "-version"], capture_output=True, text=True, check=False
    )
    if "SYSTEMD" not in version.stdout + version.stderr:
        pytest.skip("this stunnel is built without systemd support, so LISTEN_PID is harmless")
    port = free_port()
    conf = tmp_path / "direct.conf"
    conf.write_text(
        f"foreground = yes\nsyslog = no\n[redis]\nclient = yes\n"
        f"accept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{tls_redis.port}\n"
    )
    env = wrapper_env(tmp_path)

    crashed = subprocess.run(
        [stunnel_binary, str(conf)],
        env={**env, "LISTEN_PID": ""},
        check=False,
        capture_output=True,
        text=True,
        timeout=10,
    )

    assert crashed.returncode != 0
    assert "systemd initialization failed" in crashed.stderr
    # The same config starts fine once the variable is gone.
    control = subprocess.Popen([stunnel_binary, str(conf)], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, 10)
    finally:
        control.kill()
        control.wait()


@pytest.mark.parametrize("target", ["wrapper", "process-group"])
def test_sigterm_lets_the_app_drain_through_the_tunnel(tmp_path, tls_redis, target):
    """SIGTERM reaches the app while stunnel keeps running; the wrapper exits with the app.

    "process-group" signals every process, as Heroku's dyno manager does on shutdown.
    """
    ready, marker = tmp_path / "ready", tmp_path / "marker"
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url)

    with spawn_wrapper(env, app(DRAIN_APP, str(ready), str(marker)), tmp_path) as wrapper:
        wait_for_file(ready, wrapper)
        if target == "wrapper":
            wrapper.send_signal(signal.SIGTERM)
        else:
            os.killpg(wrapper.pid, signal.SIGTERM)
        status = wrapper.wait(timeout=30)

    assert status == 0, stderr_of(tmp_path)
    drained = json.loads(marker.read_text())
    assert drained["sigterm"] >= 1
    assert drained["value"] == "still tunnelled"
    assert "passing it to the command" in stderr_of(tmp_path)


def test_app_exit_status_is_propagated_and_stunnel_stopped(tmp_path, tls_redis):
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url)

    result = run_wrapper(env, app(INSPECT_APP, "3"))

    assert result.returncode == 3, result.stderr
    seen = json.loads(result.stdout)
    assert seen["conf_mode"] == 0o600
    assert seen["dir_mode"] == 0o700
    assert not pid_exists(seen["stunnel_pid"])
    assert not list(tmp_path.glob("start-stunnel.*"))


def ignore_sigint_and_sigquit() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)


def test_stunnel_is_stopped_even_when_sigquit_is_ignored(tmp_path, tls_redis):
    """A script's `cmd &` starts cmd with SIGINT and SIGQUIT ignored, which bash cannot undo."""
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url)

    result = run_wrapper(env, app(INSPECT_APP, "3"), preexec_fn=ignore_sigint_and_sigquit)

    assert result.returncode == 3, result.stderr
    assert "stunnel did not exit 2s after SIGQUIT; sending SIGKILL" in result.stderr
    assert not pid_exists(json.loads(result.stdout)["stunnel_pid"])


def test_app_is_stopped_when_stunnel_dies(tmp_path, tls_redis):
    ready, marker = tmp_path / "ready", tmp_path / "marker"
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url)

    with spawn_wrapper(env, app(SLEEPING_APP, str(ready), str(marker)), tmp_path) as wrapper:
        wait_for_file(ready, wrapper)
        # SIGKILL: the wrapper makes stunnel ignore SIGTERM, and a crash gives no warning.
        os.kill(stunnel_pid(tmp_path), signal.SIGKILL)
        status = wrapper.wait(timeout=30)

    assert status == TUNNEL_FAILED
    assert marker.read_text() == "SIGTERM"
    assert "stunnel exited" in stderr_of(tmp_path)


def test_app_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path, tls_redis):
    ready, marker = tmp_path / "ready", tmp_path / "marker"
    env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url, STUNNEL_APP_GRACE="1")
    command = app(SLEEPING_APP, str(ready), str(marker), "ignore")

    with spawn_wrapper(env, command, tmp_path) as wrapper:
        app_pid = int(wait_for_file(ready, wrapper))
        os.kill(stunnel_pid(tmp_path), signal.SIGKILL)
        status = wrapper.wait(timeout=20)

    assert status == TUNNEL_FAILED
    assert not pid_exists(app_pid)
    assert "sending SIGKILL" in stderr_of(tmp_path)


def test_the_command_does_not_run_when_stunnel_cannot_start(tmp_path, tls_redis):
    marker = tmp_path / "ran"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))  # bound, not listening: stunnel cannot bind, probes fail
        port = busy.getsockname()[1]
        env = wrapper_env(tmp_path, REDIS_URL=tls_redis.url, STUNNEL_BASE_PORT=str(port))

        result = run_wrapper(env, app(f"open({str(marker)!r}, 'w').close()"))

    assert result.returncode == TUNNEL_FAILED
    assert "stunnel exited" in result.stderr
    assert not marker.exists()


def test_an_unusable_url_is_a_configuration_error(tmp_path, stunnel_binary):
    env = wrapper_env(tmp_path, REDIS_URL="memcached://127.0.0.1:11211")

    result = run_wrapper(env, app("print('ran')"))

    assert result.returncode == 78
    assert "REDIS_URL is not a redis:// or rediss:// URL" in result.stderr
    assert result.stdout == ""


def path_without_stunnel(tmp_path: Path) -> str:
    """Return a PATH with bash and env but no stunnel."""
    bin_dir = tmp_path / "bin-without-stunnel"
    bin_dir.mkdir()
    for name in ("bash", "env"):
        (bin_dir / name).symlink_to(find_binary(name))
    return str(bin_dir)


@pytest.mark.parametrize("case", ["STUNNEL_ENABLED=0", "STUNNEL_ENABLED=off", "no-stunnel"])
def test_fallback_execs_the_command_unchanged(tmp_path, case):
    redis_url = "rediss://:secret@redis.example.com:6380/0"
    env = wrapper_env(tmp_path, REDIS_URL=redis_url)
    if case == "no-stunnel":
        env["PATH"] = path_without_stunnel(tmp_path)
    else:
        env["STUNNEL_ENABLED"] = case.split("=")[1]

    result = run_wrapper(env, app(FALLBACK_APP))

    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("start-stunnel: ")
    assert line.endswith(FALLBACK)
    seen = json.loads(result.stdout)
    # The same pid: the wrapper exec'd the command.
    assert seen == {"pid": result.pid, "REDIS_URL": redis_url, "REDIS_URL_STUNNEL": None}


def test_fallback_without_any_redis_url(tmp_path):
    env = wrapper_env(tmp_path, REDIS_URL=None)

    result = run_wrapper(env, app(FALLBACK_APP))

    assert result.returncode == 0, result.stderr
    assert result.stderr == f"start-stunnel: REDIS_URL not set{FALLBACK}\n"
    assert json.loads(result.stdout)["REDIS_URL_STUNNEL"] is None
