"""The one doorway to transcoding: a bounded pool of *processes*, a bounded queue.

Each job runs in a process of its own, forked from a forkserver that has PyAV loaded:
- the event loop and the image render threads never wait on FFmpeg;
- limits are the kernel's: RLIMIT_CPU (SIGXCPU, then SIGKILL a second later) and
  RLIMIT_FSIZE on what the process writes, besides the transcoder's own output-size check;
- cancellation is a SIGKILL: when the awaiting task is cancelled (its client went away) or
  the wall-clock deadline passes, the process is killed, whatever FFmpeg is doing.
A fresh process per job costs a fork (milliseconds, PyAV already imported) against
transcodes of seconds; a crashed or killed job cannot take a shared worker down with it.

When `workers` jobs run and `queue_limit` more wait, the next one fails fast with
Overloaded (429 + Retry-After), as the render pool does.
"""

from __future__ import annotations

import asyncio
import errno
import multiprocessing
import multiprocessing.connection
import resource
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from edge.errors import EdgeError, OutputTooLarge, Overloaded, TranscodeTimeout

T = TypeVar("T")


class TranscodeFailed(EdgeError):
    """A transcode process that died without an answer (not a limit): a bug or a crash in FFmpeg."""

    status, category, report = 500, "processing", True


@dataclass
class PoolStats:
    waiting: int = 0
    running: int = 0
    completed: int = 0
    failed: int = 0
    killed: int = 0
    seconds: float = 0.0
    frames: int = 0  # frames written by finished transcodes (their owners add them)
    bytes: int = 0  # bytes written by finished transcodes


class PoolCollector:
    """Prometheus families for a pool's stats, read at scrape time (no per-job bookkeeping cost)."""

    def __init__(self, stats: PoolStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        s = self.stats
        yield GaugeMetricFamily("edge_transcode_queue_depth", "Transcodes waiting for a process", value=s.waiting)
        yield GaugeMetricFamily("edge_transcodes_in_flight", "Transcoder processes running", value=s.running)
        jobs = CounterMetricFamily("edge_transcodes", "Finished transcode jobs by result", labels=["result"])
        jobs.add_metric(["ok"], s.completed)
        jobs.add_metric(["error"], s.failed - s.killed)
        jobs.add_metric(["killed"], s.killed)
        yield jobs
        yield CounterMetricFamily("edge_transcode_seconds", "Wall seconds spent in transcoder processes", value=s.seconds)
        yield CounterMetricFamily("edge_transcode_frames", "Video frames written by transcodes", value=s.frames)
        yield CounterMetricFamily("edge_transcode_output_bytes", "Bytes written by transcodes", value=s.bytes)


class TranscodePool:
    def __init__(self, workers: int, queue_limit: int, *, cpu_seconds: int, max_file_bytes: int,
                 timeout: float, preload: tuple[str, ...] = ("edge.video.transcode",)) -> None:
        self.workers, self.queue_limit = workers, queue_limit
        self.cpu_seconds, self.max_file_bytes, self.timeout = cpu_seconds, max_file_bytes, timeout
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(preload))
        self._slots = asyncio.Semaphore(workers)
        self._live: set[multiprocessing.process.BaseProcess] = set()
        self.stats = PoolStats()

    async def run(self, fn: Callable[..., T], *args: Any, cpu_seconds: int | None = None,
                  timeout: float | None = None) -> T:
        """Run module-level `fn(*args)` in a process of its own and return its (picklable) result;
        its EdgeErrors come back as themselves."""
        if self._slots.locked() and self.stats.waiting >= self.queue_limit:
            raise Overloaded("Too many transcodes queued - retry shortly")
        self.stats.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.stats.waiting -= 1
        self.stats.running += 1
        started = time.perf_counter()
        try:
            return await self._run_process(fn, args, cpu_seconds or self.cpu_seconds, timeout or self.timeout)
        finally:
            self.stats.running -= 1
            self.stats.seconds += time.perf_counter() - started
            self._slots.release()

    async def _run_process(self, fn: Callable[..., T], args: tuple[Any, ...], cpu_seconds: int, timeout: float) -> T:
        loop = asyncio.get_running_loop()
        reader, writer = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_child, args=(writer, fn, args, cpu_seconds, self.max_file_bytes), daemon=True)
        try:
            await loop.run_in_executor(None, process.start)  # the first start launches the forkserver
        finally:
            writer.close()
        self._live.add(process)
        answered: asyncio.Future[None] = loop.create_future()
        loop.add_reader(reader.fileno(), lambda: answered.done() or answered.set_result(None))
        try:
            async with asyncio.timeout(timeout):
                await answered
        except TimeoutError:
            self.stats.failed += 1
            await self._kill(process)
            raise TranscodeTimeout("Transcode took too long") from None
        except asyncio.CancelledError:
            self.stats.failed += 1
            await self._kill(process)
            raise
        finally:
            loop.remove_reader(reader.fileno())
        try:
            message = reader.recv()
        except (EOFError, OSError):
            message = None
        finally:
            reader.close()
        await loop.run_in_executor(None, process.join, 5)
        self._live.discard(process)
        return self._answer(message, process.exitcode)

    def _answer(self, message: Any, exitcode: int | None) -> Any:
        if message is not None and message[0] == "ok":
            self.stats.completed += 1
            return message[1]
        self.stats.failed += 1
        if message is not None and message[0] == "error":
            _, cls, public_message, detail = message
            raise cls(public_message, detail=detail)
        if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise TranscodeTimeout("Transcode took too long - over its CPU time")
        if exitcode == -signal.SIGXFSZ:
            raise OutputTooLarge("Output too large")
        detail = message[1] if message is not None else f"exit code {exitcode}"
        raise TranscodeFailed("Transcode failed", detail=detail)

    async def _kill(self, process: multiprocessing.process.BaseProcess) -> None:
        self.stats.killed += 1
        if process.is_alive():
            process.kill()
        await asyncio.get_running_loop().run_in_executor(None, process.join, 5)
        self._live.discard(process)

    async def close(self) -> None:
        for process in list(self._live):
            await self._kill(process)


def _child(writer: multiprocessing.connection.Connection, fn: Callable[..., Any], args: tuple[Any, ...],
           cpu_seconds: int, max_file_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    try:
        message: tuple[Any, ...] = ("ok", fn(*args))
    except EdgeError as exc:
        message = ("error", type(exc), exc.public_message, str(exc))
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            message = ("error", OutputTooLarge, "Output too large", str(exc))
        else:
            message = ("crash", repr(exc))
    except Exception as exc:  # noqa: BLE001 - anything else is reported to the parent as a failure
        message = ("crash", repr(exc))
    writer.send(message)
    writer.close()
