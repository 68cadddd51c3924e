"""A short, bounded run of the load tool (bench.load) and the connect storm against a live server.

The server is the project under Uvicorn on SQLite with a real Redis channel layer; the tool
runs as `make bench` runs it, from the command line, and its JSON report is checked: every
message delivered to every member exactly once, no gaps, and the documented keys present.
"""

import json
import shlex
import subprocess

import pytest
from PIL import Image

from bench import formatting
from bench.chart import draw
from bench.report import LADDER_KEYS, LATENCY_KEYS, MEMORY_KEYS, REPORT_KEYS, formatting_line
from bench.servers import web_command
from bench.storm import measure_storm
from bench.targets import ProjectTarget
from bench.users import read_tokens
from tests.integration.bench_tool import bench_load, load_env
from testservers.live import LiveServer

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def chat_server(redis_server, tmp_path_factory):
    """One server for the module, with users smoke0..smoke27 and their tokens."""
    workdir = tmp_path_factory.mktemp("bench-smoke")
    env = load_env(workdir, redis_server, "bench")
    with LiveServer(workdir, env) as server:
        server.tokens = workdir / "tokens.json"
        bench_load(env, "provision", "--prefix", "smoke", "--count", 28, "--out", server.tokens)
        yield server


def test_load_tool_reports_every_delivery(chat_server, tmp_path):
    report_path = tmp_path / "ladder.json"
    output = bench_load(
        chat_server.env, "ladder", "--target", "project", "--url", chat_server.url,
        "--tokens", chat_server.tokens,
        "--rooms", 2, "--members", 3, "--churners", 2, "--churn-rate", 3,
        "--rates", 3, "--duration", 3, "--warmup", 0.5, "--grace", 5,
        "--p99-limit-ms", 5000, "--json", report_path,
    )  # fmt: skip
    assert "sustained" in output

    report = json.loads(report_path.read_text())
    assert set(LADDER_KEYS) <= set(report)
    [step] = report["steps"]
    assert set(REPORT_KEYS) <= set(step)
    assert set(LATENCY_KEYS) <= set(step["latency_ms"])
    assert step["sockets"] == 6
    assert step["churn_cycles"] > 0
    assert step["deliveries"] > 0
    assert step["deliveries"] == step["expected_deliveries"]
    assert (step["gaps"], step["duplicates"], step["lost"]) == (0, 0, 0)
    assert step["errors"] == 0, step["error_kinds"]
    assert report["sustained"]["deliveries_per_second"] == step["deliveries_per_second"]


def test_memory_mode_reads_the_server_rss(chat_server, tmp_path):
    # The ladder's users (smoke0..smoke7) come first in the token file; memory mode takes the
    # first 20, which is fine: their ladder sockets are closed by now.
    report_path = tmp_path / "memory.json"
    bench_load(
        chat_server.env, "memory", "--target", "project", "--url", chat_server.url,
        "--tokens", chat_server.tokens, "--pid", chat_server.process.pid, "--sockets", 20,
        "--settle", 0.5, "--json", report_path,
    )  # fmt: skip
    report = json.loads(report_path.read_text())
    assert set(MEMORY_KEYS) <= set(report)
    assert report["open_sockets"] == 20
    assert report["rss_after_kib"] > 0


async def test_connect_storm_connects_everyone_and_brings_them_back_after_a_restart(
    chat_server, tmp_path
):
    # Runs last in the module: it restarts the server. The storm's users are the last 12.
    identities = read_tokens(chat_server.tokens)[-12:]
    report = await measure_storm(
        ProjectTarget(chat_server.url), chat_server, identities, 12, room_size=3, in_flight=4
    )
    assert (report["connected"], report["reconnected"]) == (12, 12)
    assert report["connect_failures"] == {} and report["reconnect_failures"] == {}
    assert report["connects_per_second"] > 0
    assert report["reconnect_seconds"] > 0
    for key in ("connect_timeline", "reconnect_timeline"):
        counts = [count for _, count in report[key]]
        assert counts == sorted(counts) and counts[-1] == 12, report[key]

    # The chart draws the storm over time in the project's colour.
    chart = draw({"project": {"steps": [], "storm": report}}, tmp_path / "c.png", p99_limit_ms=100)
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.size == (1710, 540)
        assert (0x1F, 0x6F, 0xEB) in {rgb for _, rgb in image.convert("RGB").getcolors(1 << 20)}


def test_the_benchmark_runs_the_procfiles_web_line_on_loopback():
    """bench.servers serves the project with the Procfile's own web line, its host replaced."""
    command = web_command()
    assert subprocess.run(["bash", "-n", "-c", command], check=False).returncode == 0, command
    words = shlex.split(command)
    assert words[words.index("--host") + 1] == "127.0.0.1"
    assert words[words.index("--port") + 1] == "$PORT"
    assert "::" not in command
    assert "--ws" not in words  # Uvicorn's default, as on a dyno
    compared = shlex.split(web_command(ws="websockets"))
    assert compared[compared.index("--ws") + 1] == "websockets"


def test_make_bench_reports_what_rendering_a_stored_message_costs():
    report = formatting.in_own_process()
    assert report["messages"] == 2_000
    assert 0 < report["render_us"]["p50"] <= report["render_us"]["p99"]
    assert report["worst_case_chars"] == 10_000
    assert all(micro > 0 for micro in report["worst_case_us"].values())
    assert "Rendering a message when it is stored" in formatting_line(report)
