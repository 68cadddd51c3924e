"""The side-by-side report of ``python -m bench.run``: one column per server, then ratios."""

from __future__ import annotations

from bench.machine import OTHERS_WARNING
from bench.report import table

NO_BASELINE = "(no baseline: pass --baseline PATH to compare)"
RATIO_HEADERS = (
    "ratio", "sustained deliveries/s", "server CPU per delivery", "memory per socket",
    "4 x 5 rooms", "connects/s", "back after restart",
)  # fmt: skip


def _sustained(key):
    return lambda r: r["sustained"][key] if r["sustained"] else None


def totals(ladder, key):
    return sum(step[key] for step in ladder["steps"])


def _storm(key):
    return lambda r: r["storm"][key] if r.get("storm") else None


def _scenario(label, key):
    def get(r):
        ladder = r.get("scenarios", {}).get(label)
        if ladder is None:
            return None
        if key == "sustained":
            return ladder["sustained"] and ladder["sustained"]["deliveries_per_second"]
        if key == "sustained_p99":
            return ladder["sustained"] and ladder["sustained"]["p99_ms"]
        (step,) = ladder["steps"][:1]
        latency = step["latency_ms"]
        lost = step["lost"] + step["gaps"] + step["duplicates"] + step["errors"]
        return f"{latency['p50']:g} / {latency['p99']:g} / {latency['max']:g}" + (
            f" ({lost} lost/gaps/dup/err)" if lost else ""
        )

    return get


def readme_memory(ladder):
    return ladder["memory_readme"]["kib_per_socket"] if "memory_readme" in ladder else None


def cpu_per_thousand(ladder, *processes):
    """CPU milliseconds that ``processes`` spent per 1,000 deliveries at the sustained step.

    The servers' own cost per delivery, apart from the load tool and, unless asked for, the
    database (which runs on other machines in production).
    """
    best = ladder["sustained"]
    if not best or "cpu_percent" not in best:
        return None
    percent = sum(best["cpu_percent"].get(name, 0) for name in processes)
    return round(percent * 10 * 1000 / best["deliveries_per_second"], 1)


def database_us_per_send(ladder):
    """PostgreSQL's CPU microseconds per message stored, at the sustained step (the project
    only: the tutorial stores nothing)."""
    best = ladder["sustained"]
    if not best or not best.get("sends_per_second") or ladder["target"] != "project":
        return None
    return round(best["cpu_percent"].get("postgres", 0) * 10_000 / best["sends_per_second"])


# The table's rows: a label, and how to read its figure from one server's ladder report.
ROWS = (
    ("sustained deliveries/s", _sustained("deliveries_per_second")),
    ("  at rate/s per socket", lambda r: r["sustained"] and f"{r['sustained']['rate']:g}"),
    ("  p50 ms at that level", _sustained("p50_ms")),
    ("  p99 ms at that level", _sustained("p99_ms")),
    ("  churn cycles/s done", _sustained("churn_cycles_per_second")),
    ("  server CPU ms / 1,000 deliv.", lambda r: cpu_per_thousand(r, "server")),
    ("  + database CPU ms", lambda r: cpu_per_thousand(r, "server", "postgres")),
    ("  PostgreSQL CPU µs / message", database_us_per_send),
    ("gaps (all steps)", lambda r: totals(r, "gaps")),
    ("duplicates (all steps)", lambda r: totals(r, "duplicates")),
    ("lost (all steps)", lambda r: totals(r, "lost")),
    ("errors (all steps)", lambda r: totals(r, "errors")),
    ("server log errors", lambda r: r["server_log_errors"]),
    ("memory KiB / idle socket", lambda r: r["memory"]["kib_per_socket"]),
    ("  idle sockets still open", lambda r: r["memory"]["open_sockets"]),
    ("  under its README command", readme_memory),
    ("ladder stopped at", lambda r: r["stop_reason"]),
    ("4 x 5 rooms: sustained deliv./s", _scenario("small rooms", "sustained")),
    ("  p99 ms at that level", _scenario("small rooms", "sustained_p99")),
    ("100-member room: p50/p99/max ms", _scenario("large room", "step")),
    ("connect storm: connects/s", _storm("connects_per_second")),
    (
        "  sockets connected",
        lambda r: r.get("storm") and f"{r['storm']['connected']}/{r['storm']['sockets']}",
    ),
    ("  all back after a restart, s", _storm("reconnect_seconds")),
    (
        "  sockets back",
        lambda r: r.get("storm") and f"{r['storm']['reconnected']}/{r['storm']['sockets']}",
    ),
)


def _ratio(a, b):
    if a is None or b is None:
        return None
    if not b:
        return "inf (baseline sustained nothing)" if a else None
    return round(a / b, 2)


def ratio_rows(results):
    """The project's figures over each baseline's: throughput, server CPU, memory."""
    project = results.get("project")
    deliveries = _sustained("deliveries_per_second")
    ratios = []
    for name in list(results)[1:]:
        other = results[name]
        ratios.append(
            (
                f"project / {name}",
                _ratio(deliveries(project), deliveries(other)),
                _ratio(cpu_per_thousand(project, "server"), cpu_per_thousand(other, "server")),
                _ratio(project["memory"]["kib_per_socket"], other["memory"]["kib_per_socket"]),
                _ratio(
                    _scenario("small rooms", "sustained")(project),
                    _scenario("small rooms", "sustained")(other),
                ),
                _ratio(
                    _storm("connects_per_second")(project), _storm("connects_per_second")(other)
                ),
                _ratio(_storm("reconnect_seconds")(project), _storm("reconnect_seconds")(other)),
            )
        )
        if readme_memory(other) is not None:
            ratios.append(
                (
                    f"project / {name} (README command)",
                    None,
                    None,
                    _ratio(project["memory"]["kib_per_socket"], readme_memory(other)),
                    None,
                    None,
                    None,
                )
            )
    return ratios


def comparison(results):
    """Return (names, rows, ratio rows) of the side-by-side table."""
    names = list(results)
    rows = [(label, *(get(results[name]) for name in names)) for label, get in ROWS]
    return names, rows, ratio_rows(results)


def _heading(info, plan):
    return [
        f"Machine: {info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"load average at start {info['loadavg_at_start']:.2f}",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v),
        f"Redis: {info['redis_server']}",
        f"Load: {plan.rooms} rooms x {plan.members} members, {plan.churners} churners at "
        f"{plan.churn_rate}/s each, {plan.duration:g} s per step, {plan.size}-char messages; "
        "sustained = highest step with p99 <= limit and no loss, gap, duplicate or error",
    ]


def _disturbance_warning(results, info):
    others = [
        step["cpu_percent"].get("others", 0)
        for result in results.values()
        for step in result["steps"]
    ]
    if others and max(others) > OTHERS_WARNING:
        return [
            f"WARNING: other processes used up to {max(others):.0f}% CPU (of "
            f"{100 * info['nproc']}%) during the steps: the numbers are disturbed, run again "
            "on a quiet machine."
        ]
    return []


def render(results, info, plan, elapsed):
    names, rows, ratios = comparison(results)
    lines = [
        *_heading(info, plan),
        "",
        table(("", *names), rows),
        "",
        table(RATIO_HEADERS, ratios)
        if ratios
        else "(no baseline: pass --baseline PATH to compare)",
        "",
        f"Whole run: {elapsed:.0f} s",
    ]
    return "\n".join(lines + _disturbance_warning(results, info))
