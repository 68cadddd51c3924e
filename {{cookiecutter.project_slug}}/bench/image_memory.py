"""Peak memory and time of one image upload, read from the server process that handles it.

Each case starts a fresh Uvicorn process (the Procfile's worker, one of WEB_CONCURRENCY),
warms it with a small upload so that Pillow and the storage are in the baseline, then
uploads the case's file and reads the process's VmHWM (its peak resident set, which only
grows: hence a process per case). The files are made here and are small on disk: flat
colours compress to a few hundred kilobytes whatever they decode to.

    python -m bench.image_memory                 # every case
    python -m bench.image_memory gif-10x24mp     # some of them
    python -m bench.image_memory --at-once 2 png-rgba-16mp   # two uploads together
"""

import argparse
import io
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from bench.machine import read_rss_kib
from tests.clients import fetch_token, post_upload
from tests.images import gif
from testservers.live import LiveServer, base_env, create_users, run_django

PASSWORD = "pw-for-bench"


def flat(mode, size, image_format):
    out = io.BytesIO()
    Image.new(mode, size, (10, 200, 30, 128)[: len(mode)]).save(out, image_format)
    return out.getvalue()


CASES = {
    "gif-10x24mp": lambda: gif((4800, 5000), 10),
    "gif-60x4mp": lambda: gif((2000, 2000), 60),
    "gif-40x0.4mp": lambda: gif((632, 632), 40),
    "gif-2x8mp": lambda: gif((2828, 2828), 2),
    "gif-4x4mp": lambda: gif((2000, 2000), 4),
    "gif-8x2mp": lambda: gif((1414, 1414), 8),
    "gif-16x1mp": lambda: gif((1000, 1000), 16),
    "gif-1x16mp": lambda: gif((4000, 4000), 1),
    "png-rgba-24mp": lambda: flat("RGBA", (6000, 4000), "PNG"),
    "png-rgba-16mp": lambda: flat("RGBA", (4898, 3266), "PNG"),
    "jpeg-24mp": lambda: flat("RGB", (6000, 4000), "JPEG"),
    "jpeg-16mp": lambda: flat("RGB", (4898, 3266), "JPEG"),
    "jpeg-12mp": lambda: flat("RGB", (4032, 3024), "JPEG"),
}


def hwm_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def measure(name, data, workdir, at_once=1):
    env = base_env(workdir)
    with LiveServer(workdir, env) as server:
        create_users(env, "alice", password=PASSWORD)
        room = run_django(
            env,
            """
            from django.contrib.auth import get_user_model
            from chat import services
            alice = get_user_model().objects.get(username="alice")
            print(services.room_create(user=alice, kind="group", name="M")["room"]["id"])
            """,
        ).strip()
        token = fetch_token(server.url, "alice", PASSWORD)
        post_upload(server.url, token, room, "warm.png", flat("RGB", (64, 64), "PNG"))
        pid = server.process.pid
        baseline = read_rss_kib(pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(at_once) as pool:
            answers = list(
                pool.map(
                    lambda _: post_upload(server.url, token, room, "f.bin", data), range(at_once)
                )
            )
        seconds = time.perf_counter() - started
        peak = hwm_kib(pid)
    return {
        "case": name,
        "at_once": at_once,
        "file_kib": round(len(data) / 1024),
        "answers": [(status, answer.get("error") or "stored") for status, _, answer in answers],
        "seconds": round(seconds, 2),
        "baseline_rss_mib": round(baseline / 1024),
        "peak_rss_mib": round(peak / 1024),
        "growth_mib": round((peak - baseline) / 1024),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"some of: {', '.join(CASES)}")
    parser.add_argument("--at-once", type=int, default=1, help="uploads sent together")
    options = parser.parse_args()
    names = options.cases or list(CASES)
    if unknown := set(names) - set(CASES):
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    for name in names:
        with tempfile.TemporaryDirectory(prefix="image-memory-") as workdir:
            result = measure(name, CASES[name](), Path(workdir), options.at_once)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
