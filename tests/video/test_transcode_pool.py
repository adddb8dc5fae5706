"""The transcode pool: processes, limits, queue and cancellation (real processes, no mocks)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from edge.errors import InvalidVideo, OutputTooLarge, Overloaded, TranscodeTimeout
from edge.grammar.video_params import parse_video_component
from edge.services.transcode_pool import TranscodeFailed, TranscodePool
from edge.video.limits import VideoLimits
from edge.video.plan import make_plan
from edge.video.probe import probe
from edge.video.transcode import transcode
from tests.video import jobs, media


def pool(**overrides: object) -> TranscodePool:
    options = {"workers": 1, "queue_limit": 1, "cpu_seconds": 30, "max_file_bytes": 50_000_000, "timeout": 30.0}
    options.update(overrides)
    return TranscodePool(**options, preload=("edge.video.transcode", "tests.video.jobs"))  # type: ignore[arg-type]


async def test_runs_a_transcode_in_another_process(bars_mp4: Path, tmp_path: Path) -> None:
    plan = make_plan([parse_video_component("w_160,so_1")], probe(bars_mp4), "webm", VideoLimits())
    result = await pool().run(transcode, str(bars_mp4), plan, str(tmp_path / "out.webm"), VideoLimits())
    assert (result.width, result.height) == (160, 120)
    info = media.decode_info(tmp_path / "out.webm")
    assert info["video_codec"] == "vp9" and info["frames"] == pytest.approx(25, abs=1)


async def test_errors_come_back_as_themselves() -> None:
    with pytest.raises(InvalidVideo) as caught:
        await pool().run(jobs.refuse)
    assert caught.value.public_message == "Unreadable video - test" and caught.value.status == 422
    with pytest.raises(TranscodeFailed):
        await pool().run(jobs.crash)


async def test_cpu_time_limit_kills_the_process() -> None:
    started = time.perf_counter()
    with pytest.raises(TranscodeTimeout):
        await pool(cpu_seconds=1).run(jobs.spin, 30)
    assert time.perf_counter() - started < 10


async def test_wall_clock_deadline_kills_the_process() -> None:
    transcodes = pool(timeout=0.5)
    with pytest.raises(TranscodeTimeout):
        await transcodes.run(jobs.nap, 30)
    assert transcodes.stats.killed == 1 and transcodes.stats.running == 0


async def test_file_size_limit(tmp_path: Path) -> None:
    with pytest.raises(OutputTooLarge):
        await pool(max_file_bytes=10_000).run(jobs.write, str(tmp_path / "big"), 100_000)


async def test_full_queue_is_429_and_cancellation_kills() -> None:
    transcodes = pool(workers=1, queue_limit=1)
    running = asyncio.ensure_future(transcodes.run(jobs.nap, 30))
    await asyncio.sleep(0.2)
    waiting = asyncio.ensure_future(transcodes.run(jobs.add, 1, 2))
    await asyncio.sleep(0.05)
    with pytest.raises(Overloaded) as caught:
        await transcodes.run(jobs.add, 3, 4)
    assert caught.value.status == 429
    running.cancel()  # the client went away: the process is killed and the next job runs
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await asyncio.wait_for(waiting, 10) == 3
    assert transcodes.stats.killed == 1 and transcodes.stats.completed == 1
