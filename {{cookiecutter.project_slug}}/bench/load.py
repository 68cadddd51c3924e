"""Drive a running chat server over real WebSockets and measure what arrives.

N rooms x M member sockets each send numbered messages at a fixed rate; K churning clients
connect, send one message, wait for its echo and disconnect, in a loop (bench/plan.py). The
receiving sockets count latency, duplicates, gaps and losses (bench/loadrun.py). Targets:
``project`` speaks this chat's protocol, ``tutorial`` the Channels tutorial's
(bench/targets.py). Modes:

    python -m bench.load provision --prefix load --count 104 --out tokens.json   # project env
    python -m bench.load run    --target project --url http://127.0.0.1:8000 --tokens tokens.json
    python -m bench.load ladder --target tutorial --url http://127.0.0.1:8001 --rates 1,2,4
    python -m bench.load memory --target project --url ... --tokens idle.json --pid 1234

``ladder`` raises the per-socket rate step by step until a step fails (p99 above the limit, or
any loss, gap, duplicate or error, or the clients could not send at the planned rate) and
reports the last passing step as the sustained level. ``memory`` opens idle sockets against a
single server process and reports its RSS growth per socket (VmRSS in /proc/PID/status).
Every mode prints a table and, with ``--json PATH``, writes the report (keys in
bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench.ladder import judge, run_ladder
from bench.loadrun import run_async, run_load
from bench.memory import measure_memory
from bench.plan import DEFAULT_RATES, Plan, add_plan_options, parse_rates, plan_from
from bench.report import log, render
from bench.targets import make_target
from bench.users import load_identities, provision


def _add_client_options(parser):
    parser.add_argument("--target", choices=("project", "tutorial"), required=True)
    parser.add_argument("--url", required=True, help="the server's http:// base URL")
    parser.add_argument("--tokens", help="JSON [[username, token], ...] from `provision`")
    parser.add_argument("--prefix", default="load", help="usernames to log in with --password")
    parser.add_argument("--password", help="log users in over /api/token/ instead of --tokens")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--no-compression", action="store_true", help="no permessage-deflate")
    parser.add_argument("--no-uvloop", action="store_true")


def _add_memory_options(parser):
    parser.add_argument("--pid", type=int, required=True, help="the one server process")
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--settle", type=float, default=2.0)


def _add_load_options(parser, mode):
    defaults = Plan()
    add_plan_options(parser, defaults)
    parser.add_argument("--p99-limit-ms", type=float, default=100.0)
    parser.add_argument("--server-pid", type=int, help="report this process tree's CPU use")
    if mode == "run":
        parser.add_argument("--rate", type=float, default=defaults.rate)
        return
    parser.add_argument("--rates", type=parse_rates, default=DEFAULT_RATES)
    parser.add_argument(
        "--refine",
        type=int,
        default=3,
        help="steps halfway between the last pass and the first failure (default 3)",
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="mode", required=True)

    prov = sub.add_parser("provision", help="create users and write their tokens (project env)")
    prov.add_argument("--prefix", default="load")
    prov.add_argument("--count", type=int, required=True)
    prov.add_argument("--password", default="bench-password-not-secret")
    prov.add_argument("--out", required=True)

    for name in ("run", "ladder", "memory"):
        p = sub.add_parser(name)
        _add_client_options(p)
        if name == "memory":
            _add_memory_options(p)
        else:
            _add_load_options(p, name)
    return parser


async def main_async(args):
    target = make_target(args.target, args.url, compression=not args.no_compression)
    if args.mode == "memory":
        identities = load_identities(args, args.sockets)
        return await measure_memory(
            target,
            args.pid,
            identities,
            args.sockets,
            room_size=args.room_size,
            settle=args.settle,
        )
    watch = {"server": args.server_pid} if args.server_pid else None
    if args.mode == "run":
        plan = plan_from(args, rate=args.rate)
        report = await run_load(target, plan, load_identities(args, plan.identities), watch=watch)
        return judge(report, args.p99_limit_ms)
    plan = plan_from(args)
    return await run_ladder(
        target,
        plan,
        load_identities(args, plan.identities),
        args.rates,
        p99_limit_ms=args.p99_limit_ms,
        refine=args.refine,
        log=log,
        watch=watch,
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.mode == "provision":
        tokens = provision(args.prefix, args.count, args.password)
        Path(args.out).write_text(json.dumps(tokens))
        print(f"{len(tokens)} users ({args.prefix}0..) and tokens written to {args.out}")
        return 0
    report = run_async(main_async(args), use_uvloop=not args.no_uvloop)
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main())
