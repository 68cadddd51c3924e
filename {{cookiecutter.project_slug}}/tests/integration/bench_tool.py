"""bench.load run from the command line, as `make bench` runs it, against a test's server."""

import subprocess
import sys
import uuid

from testservers.live import PROJECT, base_env


def bench_load(env, *args, timeout=60):
    command = [sys.executable, "-m", "bench.load", *map(str, args)]
    result = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def load_env(workdir, redis_server, prefix):
    """A server environment for bench.load: the real Redis layer, a rate limit bench
    sockets do not hit (they send faster than people type)."""
    return base_env(
        workdir,
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"{prefix}{uuid.uuid4().hex[:6]}",
        CHAT_RATE_LIMIT_PER_SECOND=1000,
        CHAT_RATE_LIMIT_BURST=1000,
    )
