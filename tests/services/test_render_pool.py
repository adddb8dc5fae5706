import asyncio
import time

import pytest

from edge.errors import InvalidImage, Overloaded, RenderTimeout
from edge.metrics import Metrics
from edge.services.render_pool import RenderPool, SingleFlight


async def test_single_flight_shares_one_build_and_its_error():
    flights = SingleFlight()
    calls = 0

    async def build():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "bytes"

    results = await asyncio.gather(*[flights.run("k", build) for _ in range(5)])
    assert calls == 1 and [r[0] for r in results] == ["bytes"] * 5 and sum(led for _, led in results) == 1
    assert len(flights) == 0

    async def broken():
        await asyncio.sleep(0.01)
        raise InvalidImage("Unreadable image")

    outcomes = await asyncio.gather(*[flights.run("bad", broken) for _ in range(3)], return_exceptions=True)
    assert all(isinstance(o, InvalidImage) for o in outcomes)


async def test_a_leader_that_goes_away_does_not_cancel_the_others():
    flights = SingleFlight()

    async def build():
        await asyncio.sleep(0.05)
        return 42

    leader = asyncio.create_task(flights.run("k", build))
    await asyncio.sleep(0)
    follower = asyncio.create_task(flights.run("k", build))
    await asyncio.sleep(0.01)
    leader.cancel()
    assert (await follower) == (42, False)


async def test_pool_bounds_threads_and_queue():
    pool = RenderPool(workers=1, queue_limit=1, metrics=Metrics())
    order = []

    async def job(name: str, seconds: float):
        async with pool.slot():
            order.append(name)
            await pool.run(time.sleep, seconds, timeout=5)

    first = asyncio.create_task(job("first", 0.1))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(job("second", 0))
    await asyncio.sleep(0.01)
    with pytest.raises(Overloaded):
        await job("third", 0)
    await asyncio.gather(first, second)
    assert order == ["first", "second"]
    with pytest.raises(RenderTimeout):
        async with pool.slot():
            await pool.run(time.sleep, 0.3, timeout=0.05)
    pool.close()


async def test_run_takes_a_slot_of_its_own_so_no_caller_bypasses_the_queue():
    """The upload probe once called `run` without `slot()`: it went round the bounded queue."""
    pool = RenderPool(workers=1, queue_limit=1, metrics=Metrics())
    busy = asyncio.create_task(pool.run(time.sleep, 0.2, timeout=5))
    await asyncio.sleep(0.02)
    queued = asyncio.create_task(pool.run(time.sleep, 0, timeout=5))
    await asyncio.sleep(0.02)
    assert pool.waiting == 1
    with pytest.raises(Overloaded):
        await pool.run(time.sleep, 0, timeout=5)
    await asyncio.gather(busy, queued)
    async with pool.slot():  # inside a slot, run does not wait for a second one (workers=1: it would deadlock)
        await asyncio.wait_for(pool.run(time.sleep, 0, timeout=5), 2)
    assert pool.waiting == 0
    pool.close()
