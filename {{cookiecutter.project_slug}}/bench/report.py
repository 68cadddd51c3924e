"""What a load reports: the JSON keys, the figures of one run, and the plain-text tables.

Every mode of ``python -m bench.load`` prints a table and, with ``--json PATH``, writes its
report: the keys in REPORT_KEYS (one run or ladder step), LADDER_KEYS and MEMORY_KEYS.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict

# Keys of the JSON reports; the smoke test and bench.run rely on them.
REPORT_KEYS = (
    "mode",
    "target",
    "url",
    "plan",
    "sockets",
    "sent",
    "send_rate",
    "target_send_rate",
    "expected_deliveries",
    "deliveries",
    "deliveries_per_second",
    "target_deliveries_per_second",
    "latency_ms",
    "gaps",
    "duplicates",
    "out_of_order",
    "lost",
    "errors",
    "error_kinds",
    "churn_cycles",
    "duration_s",
    "client_cpu_percent",
    "cpu_percent",
)
LATENCY_KEYS = ("p50", "p90", "p99", "max", "count")
LADDER_KEYS = (
    "mode",
    "target",
    "url",
    "plan",
    "p99_limit_ms",
    "steps",
    "sustained",
    "stop_reason",
)
MEMORY_KEYS = (
    "mode",
    "target",
    "url",
    "pid",
    "sockets",
    "open_sockets",
    "failed_sockets",
    "rss_before_kib",
    "rss_after_kib",
    "kib_per_socket",
)


def protocol_line(us_per_frame):
    """The protocol layer's own cost (bench.protocol_cost), one line under the tables."""
    return (
        f"Protocol layer: {us_per_frame:.2f} us to decode and validate one message.send frame "
        "(python -m bench.protocol_cost)."
    )


def search_line(report):
    """The search scenario (bench.search), one line: p95 per kind of query, and the index."""
    latency = report["latency_ms"]
    kinds = {"one_word": "one word", "two_words": "two words", "second_page": "page 2"}
    p95 = ", ".join(
        f"{label} {latency[kind]['p95']:.1f}" for kind, label in kinds.items() if latency[kind]
    )
    indexed = any("chat_message_search_idx" in line for line in report["plan"])
    return (
        f"Search over {report['messages']:,} stored messages (PostgreSQL): p95 ms {p95}; "
        f"the plan {'uses' if indexed else 'does NOT use'} the GIN index chat_message_search_idx "
        "(python -m bench.search)."
    )


def formatting_line(report):
    """What rendering a stored message costs (bench.formatting), one line."""
    render = report["render_us"]
    worst = max(report["worst_case_us"].values())
    return (
        f"Rendering a message when it is stored (chat/formatting.py): p50 {render['p50']:.0f} µs,"
        f" mean {render['mean']:.0f} µs over {report['messages']:,} typical messages; "
        f"{report['plain_words_us']:,} µs for {report['worst_case_chars']:,} characters of prose, "
        f"{worst:,} µs for the worst (python -m bench.formatting)."
    )


def log(message):
    """A progress line, on stderr (the tables go to stdout)."""
    print(message, file=sys.stderr, flush=True)


# --- One run's figures --------------------------------------------------------------------------


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def latency_summary(latencies):
    latencies = sorted(latencies)
    return {
        "p50": _ms(percentile(latencies, 0.50)),
        "p90": _ms(percentile(latencies, 0.90)),
        "p99": _ms(percentile(latencies, 0.99)),
        "max": _ms(latencies[-1] if latencies else None),
        "count": len(latencies),
    }


def _tally(run, connected):
    """Return (lost, gaps, duplicates, out_of_order) over the connected member sockets."""
    lost = gaps = duplicates = out_of_order = 0
    for conn in connected:
        owed = run.expected[conn.room] - run.withdrawn
        lost += len(owed - conn.received)
        duplicates += conn.duplicates
        out_of_order += conn.out_of_order
        if run.target.has_seq:
            if conn.seqs:
                gaps += max(conn.seqs) - min(conn.seqs) + 1 - len(conn.seqs)
        else:
            for counters in conn.by_sender.values():
                gaps += max(counters) - min(counters) + 1 - len(set(counters))
    return lost, gaps, duplicates, out_of_order


def run_report(run, connected, window):
    """The REPORT_KEYS of a finished LoadRun whose deliveries took ``window`` seconds."""
    plan = run.plan
    lost, gaps, duplicates, out_of_order = _tally(run, connected)
    target_send_rate = plan.member_sockets * plan.rate
    return {
        "mode": "run",
        "target": run.target.kind,
        "url": run.target.url,
        "plan": asdict(plan),
        "sockets": len(connected),
        "sent": run.sent,
        "send_rate": round(run.member_sent / plan.duration, 1),
        "target_send_rate": target_send_rate,
        "expected_deliveries": run.owed(),
        "deliveries": run.deliveries,
        "deliveries_per_second": round(run.deliveries / window, 1),
        "target_deliveries_per_second": target_send_rate * plan.members,
        "latency_ms": latency_summary(run.latencies),
        "gaps": gaps,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "lost": lost,
        "errors": sum(run.errors.values()),
        "error_kinds": dict(run.errors),
        "churn_cycles": run.churn_cycles,
        "duration_s": round(window, 2),
        "client_cpu_percent": run.cpu_percent["client"],
        "cpu_percent": run.cpu_percent,
    }


# --- Tables -------------------------------------------------------------------------------------


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers, rows):
    """Return rows as a plain-text table."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


STEP_HEADERS = (
    "rate/s", "target d/s", "deliv/s", "p50 ms", "p99 ms", "gaps", "dups", "lost", "errors",
    "cpu% client", "server", "others", "pass",
)  # fmt: skip


def step_row(report):
    return (
        f"{report['plan']['rate']:g}",
        report["target_deliveries_per_second"],
        report["deliveries_per_second"],
        report["latency_ms"]["p50"],
        report["latency_ms"]["p99"],
        report["gaps"],
        report["duplicates"],
        report["lost"],
        report["errors"],
        report["client_cpu_percent"],
        report["cpu_percent"].get("server"),
        report["cpu_percent"].get("others"),
        "yes" if report.get("passed", True) else "no",
    )


def step_line(report):
    row = step_row(report)
    text = "  ".join(f"{h}={fmt(v)}" for h, v in zip(STEP_HEADERS, row, strict=True))
    if report.get("failures"):
        text += "  (" + "; ".join(report["failures"]) + ")"
    if report["error_kinds"]:
        text += f"  errors: {report['error_kinds']}"
    return f"[{report['target']}] {text}"


def render(report):
    """The table of a run, ladder or memory report."""
    if report["mode"] == "run":
        return table(STEP_HEADERS, [step_row(report)]) + _error_detail(report)
    if report["mode"] == "ladder":
        text = table(STEP_HEADERS, [step_row(step) for step in report["steps"]])
        best = report["sustained"]
        level = "none" if best is None else f"{fmt(best['deliveries_per_second'])} deliveries/s"
        return f"{text}\nsustained: {level} (stop: {report['stop_reason']})"
    rows = [(k, report[k]) for k in MEMORY_KEYS if k not in ("mode", "url")]
    return table(("memory", "value"), rows)


def _error_detail(report):
    return f"\nerrors: {report['error_kinds']}" if report["error_kinds"] else ""
