"""VideoDelivery's shared builds: one per key, cancelled (the process killed) when every waiter is gone."""

from __future__ import annotations

import asyncio

import pytest

from edge.services.transcode_pool import TranscodePool
from edge.services.video import VideoDelivery, plays_webm
from tests.video import jobs


def delivery() -> tuple[VideoDelivery, TranscodePool]:
    pool = TranscodePool(2, 4, cpu_seconds=30, max_file_bytes=10_000_000, timeout=30,
                         preload=("edge.video.transcode", "tests.video.jobs"))
    return VideoDelivery(None, None, None, None, 0), pool  # type: ignore[arg-type]


async def test_one_build_per_key_shared_by_its_waiters() -> None:
    video, pool = delivery()
    calls = []

    async def build() -> int:
        calls.append(1)
        return await pool.run(jobs.add, 2, 3)

    results = await asyncio.gather(*(video._shared("k", build) for _ in range(3)))
    assert results == [5, 5, 5] and len(calls) == 1 and video.in_flight() == 0


async def test_the_build_stops_when_every_waiter_is_gone() -> None:
    video, pool = delivery()
    waiters = [asyncio.ensure_future(video._shared("k", lambda: pool.run(jobs.nap, 30))) for _ in range(2)]
    await asyncio.sleep(0.5)
    assert pool.stats.running == 1
    waiters[0].cancel()
    await asyncio.sleep(0.2)
    assert pool.stats.running == 1 and pool.stats.killed == 0  # one client is still waiting
    waiters[1].cancel()
    for waiter in waiters:
        with pytest.raises(asyncio.CancelledError):
            await waiter
    for _ in range(50):
        if pool.stats.killed and not pool.stats.running:  # killed, then reaped
            break
        await asyncio.sleep(0.1)
    assert pool.stats.killed == 1 and pool.stats.running == 0 and video.in_flight() == 0


@pytest.mark.parametrize(("agent", "webm"), [
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", True),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1", False),
    ("curl/8.0", False),
])
def test_format_auto_by_user_agent(agent: str, webm: bool) -> None:
    assert plays_webm(agent) is webm
