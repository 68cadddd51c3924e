"""bench/formatting.py runs and reports every figure it promises (the figures: bench.formatting)."""

from bench import formatting as bench


def test_the_formatting_bench_reports_the_mix_and_every_hostile_input():
    report = bench.run(messages=50, repeat=1)
    assert report["messages"] == 50
    assert 0 < report["sanitize_us"]["mean"] < report["render_us"]["mean"]
    assert set(report["worst_case_us"]) == set(bench.HOSTILE)
