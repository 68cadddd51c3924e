"""What ``python -m bench.run`` measured, drawn: one PNG beside the JSON report.

Three panels, every server of the run in each:

- the main ladder (10 x 10 rooms with churn) and the small rooms' ladder (4 x 5): each step's
  deliveries per second against its p99, the sustained step ringed, the p99 limit dashed. A
  curve further right before it rises is a server that delivers more at the same latency;
- the connect storm over time: sockets ready against seconds since the first handshake, and
  after the restart against seconds since the old server was told to stop.

matplotlib draws off-screen (its Agg backend): no display is needed, on a server or in CI.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot  # noqa: E402  (the backend is chosen before pyplot loads)

COLOURS = {"project": "#1f6feb", "tutorial-pubsub": "#d1242f", "tutorial-redis": "#9a6700"}
LABELS = {
    "project": "this project (every message stored)",
    "tutorial-pubsub": "Channels tutorial, pub/sub layer",
    "tutorial-redis": "Channels tutorial, Redis layer",
}


def _ladder_points(ladder):
    steps = [s for s in ladder["steps"] if s["latency_ms"]["p99"] is not None]
    steps.sort(key=lambda step: step["deliveries_per_second"])
    return [s["deliveries_per_second"] for s in steps], [s["latency_ms"]["p99"] for s in steps]


def _ladders(axes, results, title, pick, limit_ms):
    for name, result in results.items():
        ladder = pick(result)
        if not ladder or not ladder.get("steps"):
            continue
        x, y = _ladder_points(ladder)
        axes.plot(x, y, "o-", color=COLOURS.get(name), label=LABELS.get(name, name), ms=4)
        if best := ladder.get("sustained"):
            axes.plot(best["deliveries_per_second"], best["p99_ms"], "o", ms=11,
                      mfc="none", mec=COLOURS.get(name), mew=2)  # fmt: skip
    axes.axhline(limit_ms, color="grey", ls="--", lw=1, label=f"p99 limit, {limit_ms:g} ms")
    axes.set_yscale("log")
    axes.set_title(title)
    axes.set_xlabel("deliveries per second (each step of the ladder)")
    axes.set_ylabel("p99 latency, ms (log scale)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")


def _storms(axes, results):
    for name, result in results.items():
        storm = result.get("storm")
        if not storm:
            continue
        colour, label = COLOURS.get(name), LABELS.get(name, name)
        for key, style, what in (
            ("connect_timeline", "-", "connect"),
            ("reconnect_timeline", ":", "after a restart"),
        ):
            points = storm.get(key) or []
            if points:
                x, y = zip(*points, strict=True)
                axes.plot(x, y, style, color=colour, label=f"{label}: {what}")
    axes.set_title("Connect storm: sockets ready over time")
    axes.set_xlabel("seconds (from the first handshake; from the restart)")
    axes.set_ylabel("sockets ready")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")


def draw(results, path, *, p99_limit_ms, machine=""):
    """Write the chart of ``results`` (bench.run's per-server results) to ``path``."""
    figure, (main, small, storm) = pyplot.subplots(1, 3, figsize=(19, 6), layout="constrained")
    _ladders(main, results, "10 x 10 rooms with churn", lambda r: r, p99_limit_ms)
    _ladders(
        small, results, "4 x 5 rooms",
        lambda r: r.get("scenarios", {}).get("small rooms"), p99_limit_ms,
    )  # fmt: skip
    _storms(storm, results)
    if machine:
        figure.suptitle(f"python -m bench.run on {machine}", fontsize="medium")
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
    return path
