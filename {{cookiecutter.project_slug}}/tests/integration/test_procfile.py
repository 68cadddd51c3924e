"""Run the Procfile's web line the way Heroku does, with production settings, and chat through it.

Heroku runs a process type's command with `bash -c`, PORT set and the app's config vars in
the environment, and stops a dyno by sending SIGTERM to every process in it. Redis is a
TLS-only server with a password, like Heroku Key-Value Store: with bin/start-stunnel the web
line tunnels it through stunnel; without it the app connects to its rediss:// URL natively.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import websockets

from tests.clients import connect_websocket, fetch_token
from tests.helpers import start_service, token_status
from tests.integration.procfile import STUNNEL, procfile_commands
from testservers.live import PROJECT, LiveServer, base_env, run_django
from testservers.processes import free_port, require_binary
from testservers.tls_redis import TLSRedisServer

PASSWORD = "pw-for-tests"
# Heroku's router terminates TLS and says so; production settings redirect plain HTTP.
HTTPS = {"X-Forwarded-Proto": "https"}

pytestmark = pytest.mark.timeout(90)


def heroku_env(tmp_path, database_url, redis_url):
    """Config vars as on Heroku: production settings, real services, no test shortcuts."""
    bin_dir = str(Path(sys.executable).parent)  # uvicorn and python, as on a dyno's PATH
    return base_env(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="procfile-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        WEB_CONCURRENCY="2",
        PATH=f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        SECURE_SSL_REDIRECT=None,  # the production default: on
        TMPDIR=str(tmp_path),
    )


def release(env):
    """Run the Procfile's release command as Heroku does before each deploy."""
    result = subprocess.run(
        ["bash", "-c", procfile_commands()["release"]],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def web_server(workdir, env):
    """A LiveServer running the Procfile's web line, with its own stunnel port.

    A config var of None is unset, as `heroku config:unset` leaves it.
    """
    env = {key: value for key, value in env.items() if value is not None}
    env["STUNNEL_BASE_PORT"] = str(free_port())
    return LiveServer(workdir, env, command=procfile_commands()["web"], migrate=False)


@pytest.fixture
def tls_redis(tmp_path):
    if STUNNEL:
        start_service(lambda: require_binary("stunnel4", "stunnel4", "stunnel"))
    server = start_service(lambda: TLSRedisServer(tmp_path / "redis"))
    with server:
        yield server


@pytest.fixture
def heroku(tmp_path, postgres_server, tls_redis):
    """Production config vars on a fresh database, released, with alice, bob and carol."""
    database_url = postgres_server.create_database(f"procfile_{uuid.uuid4().hex[:8]}")
    env = heroku_env(tmp_path, database_url, tls_redis.url)
    release(env)
    run_django(
        env,
        f"""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        User = get_user_model()
        password = make_password({PASSWORD!r})
        User.objects.bulk_create(
            [User(username=name, password=password) for name in ("alice", "bob", "carol")]
        )
        """,
    )
    return env


async def connect(server, username):
    token = await asyncio.to_thread(fetch_token, server.url, username, PASSWORD, HTTPS)
    return await connect_websocket(server.ws_url, token=token)


def established_to(port):
    """Return the inodes of established TCP connections to 127.0.0.1:port (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if state == "01" and remote == f"0100007F:{port:04X}":
            inodes.add(inode)
    return inodes


def socket_owners(inodes, process_group):
    """Return {pid: command line} of the processes in the group holding these socket inodes."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    owners = {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            if os.getpgid(pid) != process_group:
                continue
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            if links & wanted:
                owners[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # the process exited meanwhile
            continue
    return owners


def assert_redis_path(server, tls_redis):
    """Prove which way the app reached Redis: through the tunnel, or natively over TLS."""
    log = server.log()
    if not STUNNEL:
        assert "start-stunnel" not in log
        return
    tunnel_port = int(server.env["STUNNEL_BASE_PORT"])
    assert (
        f"start-stunnel: REDIS_URL: 127.0.0.1:{tunnel_port} -> TLS 127.0.0.1:{tls_redis.port}, "
        "exported as REDIS_URL_STUNNEL"
    ) in log, log
    # The app's own Redis connections end at the tunnel's local port, so it used
    # REDIS_URL_STUNNEL and not the rediss:// URL next to it.
    # (uvicorn's workers, spawned by multiprocessing; stunnel only accepts on that port).
    owners = socket_owners(established_to(tunnel_port), server.process.pid)
    assert owners, "no process of the web dyno is connected to the tunnel"
    assert not any(b"stunnel" in command for command in owners.values()), owners


@pytest.mark.parametrize("web_concurrency", [None, "1", "2", "4"])
async def test_web_line_answers_over_ipv4_and_ipv6(heroku, tmp_path, tls_redis, web_concurrency):
    """Heroku's Fir routers reach dynos over IPv6, Cedar's over IPv4: the bind takes both.

    With every worker count: Uvicorn binds the socket itself for two or more workers, while
    one worker leaves it to the event loop, which makes a `::` socket IPv6-only. Unset is
    Fir's case (its buildpack sets no WEB_CONCURRENCY).
    """
    server = web_server(tmp_path / "web", {**heroku, "WEB_CONCURRENCY": web_concurrency})
    with server:
        for host in ("127.0.0.1", "[::1]"):
            base_url = f"http://{host}:{server.port}"
            assert await asyncio.to_thread(token_status, base_url, "127.0.0.1") == 401


async def test_web_line_serves_the_chat_and_stops_cleanly_on_sigterm(heroku, tmp_path, tls_redis):
    server = web_server(tmp_path / "web", heroku)
    with server:
        alice, bob = await connect(server, "alice"), await connect(server, "bob")
        room = await alice.ok("room.create", {"kind": "group", "name": "Prod", "members": ["bob"]})
        room_id = room["room"]["id"]
        await bob.expect("room.created")
        await alice.ok("message.send", {"room_id": room_id, "content": "hello over the line"})
        assert (await bob.expect("message.new"))["message"]["content"] == "hello over the line"
        await bob.ok("message.send", {"room_id": room_id, "content": "and back"})
        back = await alice.expect("message.new", where=lambda d: d["message"]["seq"] == 2)
        assert back["message"]["content"] == "and back"
        assert_redis_path(server, tls_redis)

        # Heroku stops a dyno by signalling every process in it.
        started = time.monotonic()
        status = server.stop(sig=signal.SIGTERM, timeout=25)
        elapsed = time.monotonic() - started
        print(f"SIGTERM to exit: {elapsed:.1f}s")
        assert status == 0, server.log()
        assert elapsed < 25
        # Open sockets are told to reconnect, not dropped.
        for client in (alice, bob):
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await client.until(lambda envelope: False, timeout=5)
            assert closed.value.rcvd.code == 1012
    log = server.log()
    assert "Traceback" not in log, log
    if STUNNEL:
        assert "passing it to the command" in log


async def test_two_web_processes_share_one_redis(heroku, tmp_path, tls_redis):
    first, second = web_server(tmp_path / "one", heroku), web_server(tmp_path / "two", heroku)
    with first, second:
        # Three sockets each, alternating between the processes (and so over their workers).
        names = ("alice", "bob", "carol")
        sockets = {
            name: [await connect((first, second)[(i + n) % 2], name) for n in range(3)]
            for i, name in enumerate(names)
        }
        everyone = [client for clients in sockets.values() for client in clients]
        room = await sockets["alice"][0].ok(
            "room.create", {"kind": "group", "name": "Fleet", "members": ["bob", "carol"]}
        )
        room_id = room["room"]["id"]
        for client in everyone:
            await client.expect("room.created", timeout=5)
        for name in names:
            await sockets[name][1].ok("message.send", {"room_id": room_id, "content": name})
        for client in everyone:
            got = [(await client.expect("message.new", timeout=5))["message"] for _ in names]
            assert [(m["seq"], m["content"]) for m in got] == [
                (1, "alice"),
                (2, "bob"),
                (3, "carol"),
            ]
        for server in (first, second):
            assert_redis_path(server, tls_redis)
        for client in everyone:
            await client.close()
