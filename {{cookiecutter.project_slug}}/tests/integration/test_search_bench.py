"""bench/search.py: the search scenario runs, and its plan shows the GIN index at work."""

import pytest

from bench import search
from bench.report import search_line
from tests.helpers import start_service
from testservers.postgres import PostgresServer


@pytest.mark.timeout(180)
def test_search_scenario_reports_latencies_and_the_gin_index(tmp_path):
    start_service(lambda: PostgresServer(tmp_path / "probe")).stop()  # skip without PostgreSQL
    report = search.run(messages=3_000, queries=5, workdir=tmp_path / "bench")
    assert report["messages"] == 3_000
    for name in ("one_word", "two_words"):
        latency = report["latency_ms"][name]
        assert latency["count"] == 5
        assert 0 < latency["p50"] <= latency["p95"] <= latency["max"]
    plan = "\n".join(report["plan"])
    assert "Bitmap Index Scan on chat_message_search_idx" in plan, plan
    # The line bench.run prints under its tables.
    line = search_line(report)
    assert line.startswith("Search over 3,000 stored messages (PostgreSQL): p95 ms one word ")
    assert "the plan uses the GIN index chat_message_search_idx" in line
