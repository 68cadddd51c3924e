"""Benchmark the project against the Channels tutorial consumer, side by side, on this machine.

Everything runs on free loopback ports and is stopped at the end: a Redis and a PostgreSQL
(testservers/), the project under Uvicorn exactly as the Procfile's web line starts it
(production settings: DEBUG off, DATABASE_URL to the PostgreSQL, REDIS_URL to the Redis, every
message stored), and the baseline with LAYER=pubsub and LAYER=redis under the same Uvicorn
command and worker count (bench/servers.py). Each gets the same bench.load ladder (the same
rooms, members, rates and churning clients), then an idle-socket memory measurement against a
fresh single-process server (the pub/sub baseline's also under the command its README gives:
Uvicorn's defaults). The chat's per-socket rate limit is raised for the run
(CHAT_RATE_LIMIT_PER_SECOND and CHAT_RATE_LIMIT_BURST), since every bench socket sends faster
than a person types. The table and ratios are bench/comparison.py's.

    python -m bench.run --baseline /path/to/tutorial [--json bench-report.json]

Without --baseline (or BENCH_BASELINE) only the project is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench import formatting, search
from bench.comparison import render
from bench.machine import describe
from bench.plan import DEFAULT_RATES, Plan, add_plan_options, parse_rates
from bench.protocol_cost import per_frame_us
from bench.report import formatting_line, log, protocol_line, search_line
from bench.servers import Bench


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE"),
        help="the tutorial baseline's folder (with scale_ws/); default $BENCH_BASELINE",
    )
    parser.add_argument("--json", help="write every measurement here")
    parser.add_argument("--chart", help="draw the ladders and the storm here (a PNG)")
    parser.add_argument("--workers", type=int, default=2, help="Uvicorn workers (WEB_CONCURRENCY)")
    parser.add_argument(
        "--ws",
        choices=["websockets-sansio", "websockets", "wsproto"],
        help="Uvicorn's WebSocket implementation for both servers (default: the Procfile's)",
    )
    parser.add_argument("--rates", type=parse_rates, default=DEFAULT_RATES)
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    parser.add_argument("--idle-sockets", type=int, default=500)
    parser.add_argument(
        "--no-scenarios",
        dest="scenarios",
        action="store_false",
        help="leave out the small-rooms and large-room runs (bench/scenarios.py)",
    )
    parser.add_argument(
        "--storm-sockets", type=int, default=2000, help="sockets of the connect storm (0: none)"
    )
    parser.add_argument("--storm-in-flight", type=int, default=100, help="handshakes at a time")
    parser.add_argument("--storm-room-size", type=int, default=10, help="members per storm room")
    parser.add_argument(
        "--search-messages",
        type=int,
        default=100_000,
        help="messages stored for the search scenario, bench/search.py (0: none)",
    )
    parser.add_argument("--workdir", help="keep logs and data here (default: a temp dir)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        help="before each measurement, wait up to this many seconds for a quiet machine",
    )
    add_plan_options(parser, Plan(duration=4.0))
    return parser


def _measure_alone(args):
    """What is measured once the servers are gone, so nothing else holds the CPUs: the
    protocol's cost per frame, rendering, and the search scenario (when asked for)."""
    protocol_us = per_frame_us()
    rendering = formatting.in_own_process()
    lines = [protocol_line(protocol_us), formatting_line(rendering)]
    report = {"protocol_us_per_frame": round(protocol_us, 2), "formatting": rendering}
    report["search"] = None
    if args.search_messages:
        log(f"search: {args.search_messages:,} messages on PostgreSQL (bench/search.py)")
        report["search"] = search.run(messages=args.search_messages)
        lines.append(search_line(report["search"]))
    return {"lines": lines, "report": report}


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.baseline and not (Path(args.baseline) / "scale_ws" / "asgi.py").exists():
        log(f"No tutorial baseline at {args.baseline}: measuring the project only.")
        args.baseline = None
    elif not args.baseline:
        log("No --baseline given (nor BENCH_BASELINE): measuring the project only.")
    started = time.monotonic()
    info = describe()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-"))
        Path(workdir).mkdir(parents=True, exist_ok=True)
        bench = Bench(args, workdir)
        results = bench.run()
    extras = _measure_alone(args)
    elapsed = time.monotonic() - started
    print(render(results, info, bench.plan, elapsed))
    for line in extras["lines"]:
        print(line)
    if args.json:
        report = {"machine": info, "plan": asdict(bench.plan), "results": results}
        report["ws"] = args.ws or "the Procfile's (Uvicorn's default)"
        report |= extras["report"] | {"elapsed_s": round(elapsed, 1)}
        Path(args.json).write_text(json.dumps(report, indent=2))
    if args.chart:
        from bench.chart import draw  # matplotlib loads only when a chart is asked for

        machine = f"{info['nproc']} CPUs, {info['cpu_model']}"
        draw(results, args.chart, p99_limit_ms=args.p99_limit_ms, machine=machine)
        log(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
