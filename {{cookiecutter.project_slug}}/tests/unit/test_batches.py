"""chat.batches: calls that arrive while a batch runs are run together, and a failing batch
falls back to running its calls one by one."""

import asyncio
import threading

import pytest

from chat import batches


class Recorder:
    """A domain function that records each batch it gets; the first one waits for a release."""

    def __init__(self):
        self.batches = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, *, requests):
        self.batches.append([request["n"] for request in requests])
        self.entered.set()
        if not self.release.wait(timeout=30):
            raise TimeoutError("never released")
        if len(requests) > 1 and any(request.get("bad") for request in requests):
            raise ValueError("a bad request spoils the batch")
        if requests[0].get("bad"):
            raise ValueError(f"request {requests[0]['n']} is bad")
        return [request["n"] * 10 for request in requests]


async def test_calls_made_while_a_batch_runs_are_run_together_next():
    func = Recorder()
    batch = batches.Batch(func, concurrency=1)
    first = asyncio.ensure_future(batch.call(n=0))
    await asyncio.to_thread(func.entered.wait, 30)
    queued = [asyncio.ensure_future(batch.call(n=n)) for n in range(1, 6)]
    await asyncio.sleep(0)  # Every call is queued before the first batch ends.
    func.release.set()
    assert await first == 0
    assert await asyncio.gather(*queued) == [10, 20, 30, 40, 50]
    assert func.batches == [[0], [1, 2, 3, 4, 5]]


async def test_batches_hold_at_most_max_size_calls():
    func = Recorder()
    batch = batches.Batch(func, concurrency=1, max_size=2)
    first = asyncio.ensure_future(batch.call(n=0))
    await asyncio.to_thread(func.entered.wait, 30)
    queued = [asyncio.ensure_future(batch.call(n=n)) for n in range(1, 6)]
    func.release.set()
    await asyncio.gather(first, *queued)
    assert func.batches == [[0], [1, 2], [3, 4], [5]]


async def test_a_failing_batch_runs_its_calls_alone_so_only_the_bad_one_fails():
    func = Recorder()
    batch = batches.Batch(func, concurrency=1)
    first = asyncio.ensure_future(batch.call(n=0))
    await asyncio.to_thread(func.entered.wait, 30)
    good = asyncio.ensure_future(batch.call(n=1))
    bad = asyncio.ensure_future(batch.call(n=2, bad=True))
    also_good = asyncio.ensure_future(batch.call(n=3))
    func.release.set()
    await first
    assert await good == 10
    assert await also_good == 30
    with pytest.raises(ValueError, match="request 2 is bad"):
        await bad
    assert func.batches[1] == [1, 2, 3]
    assert sorted(func.batches[2:]) == [[1], [2], [3]]


async def test_one_process_has_one_batch_per_function():
    func = Recorder()
    func.release.set()
    assert batches.batch_for(func) is batches.batch_for(func)
    assert await batches.call(func, n=4) == 40
