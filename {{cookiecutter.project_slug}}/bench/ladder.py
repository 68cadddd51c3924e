"""The ladder: raise the per-socket rate step by step until a step fails; keep the last pass.

A step fails when p99 is above the limit, or on any loss, gap, duplicate or error, or when the
clients could not send at the planned rate. The last passing step is the sustained level.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace

from bench.loadrun import LoadRun
from bench.plan import enough, room_groups
from bench.report import step_line

DISTURBED = "step disturbed by other processes; running it again"


def failures(report, p99_limit_ms):
    """Why a ladder step does not count as sustained (an empty list means it does)."""
    reasons = []
    p99 = report["latency_ms"]["p99"]
    if p99 is None or p99 > p99_limit_ms:
        reasons.append(f"p99 {p99} ms > {p99_limit_ms} ms")
    for key in ("lost", "gaps", "duplicates", "errors"):
        if report[key]:
            reasons.append(f"{key} {report[key]}")
    if report["send_rate"] < 0.9 * report["target_send_rate"]:
        reasons.append(f"sent {report['send_rate']}/s of {report['target_send_rate']}/s planned")
    return reasons


def judge(report, p99_limit_ms):
    """Add ``failures`` and ``passed`` to a run's report; return it."""
    report["failures"] = failures(report, p99_limit_ms)
    report["passed"] = not report["failures"]
    return report


class Ladder:
    """The steps of one ladder against one target, on rooms created once for all of them."""

    def __init__(self, target, plan, identities, rooms, *, p99_limit_ms, log, watch, disturbed):
        self.target = target
        self.plan = plan
        self.identities = identities
        self.rooms = rooms
        self.p99_limit_ms = p99_limit_ms
        self.log = log
        self.watch = watch
        self.disturbed = disturbed
        self.steps = []

    async def attempt(self, rate):
        plan = replace(self.plan, rate=rate)
        report = await LoadRun(self.target, plan, self.identities, self.rooms, self.watch).run()
        judge(report, self.p99_limit_ms)
        if self.log:
            self.log(step_line(report))
        return report

    async def step(self, rate):
        """Run a step; run a failed one again if ``disturbed`` says others took the CPUs."""
        report = await self.attempt(rate)
        if not report["passed"] and self.disturbed is not None and await self.disturbed(report):
            if self.log:
                self.log(
                    f"[{self.target.kind}] step disturbed by other processes; running it again"
                )
            first, report = report, await self.attempt(rate)
            report["disturbed_attempt"] = first
        self.steps.append(report)
        return report

    async def climb(self, rates):
        """Step through ``rates`` until one fails; return (last pass, failure, stop reason)."""
        best = None
        for rate in rates:
            report = await self.step(rate)
            if not report["passed"]:
                return best, report, f"rate {rate}/s per socket: " + "; ".join(report["failures"])
            best = report
        return best, None, "all steps passed"

    async def refine(self, best, failed, times):
        """Try the geometric mean of the last pass and the lowest failure ``times`` times."""
        for _ in range(times if best is not None and failed is not None else 0):
            middle = round(math.sqrt(best["plan"]["rate"] * failed["plan"]["rate"]), 3)
            report = await self.step(middle)
            if report["passed"]:
                best = report
            else:
                failed = report
        return best


async def run_ladder(
    target,
    plan,
    identities,
    rates,
    *,
    p99_limit_ms=100.0,
    refine=3,
    log=None,
    watch=None,
    disturbed=None,
):
    """Raise the per-socket rate through ``rates`` until a step fails; report the last pass.

    Then ``refine`` times, the rate halfway (geometric mean) between the last pass and the
    lowest failure is tried: with rates a factor 2 apart, three steps put the result within
    9% of the real limit rather than on a power of two.

    ``disturbed(report)``, if given, is awaited after a failing step; when it returns true
    (other processes took the CPUs meanwhile) the step is run once more and the disturbed
    attempt is kept under the new report's ``"disturbed_attempt"``.
    """
    identities = enough(identities, plan.identities)
    rooms = await target.setup_rooms(room_groups(plan, identities))
    ladder = Ladder(
        target, plan, identities, rooms,
        p99_limit_ms=p99_limit_ms, log=log, watch=watch, disturbed=disturbed,
    )  # fmt: skip
    best, failed, stop_reason = await ladder.climb(rates)
    best = await ladder.refine(best, failed, refine)
    return {
        "mode": "ladder",
        "target": target.kind,
        "url": target.url,
        "plan": asdict(plan),
        "p99_limit_ms": p99_limit_ms,
        "steps": ladder.steps,
        "sustained": sustained_summary(best),
        "stop_reason": stop_reason,
    }


def sustained_summary(report):
    if report is None:
        return None
    return {
        "rate": report["plan"]["rate"],
        "deliveries_per_second": report["deliveries_per_second"],
        "p50_ms": report["latency_ms"]["p50"],
        "p99_ms": report["latency_ms"]["p99"],
        "churn_cycles_per_second": round(report["churn_cycles"] / report["plan"]["duration"], 1),
        # Messages sent per second: the members' and one per churn cycle.
        "sends_per_second": round(
            report["send_rate"] + report["churn_cycles"] / report["plan"]["duration"], 1
        ),
        "cpu_percent": report["cpu_percent"],
        "gaps": report["gaps"],
        "duplicates": report["duplicates"],
        "lost": report["lost"],
        "errors": report["errors"],
    }
