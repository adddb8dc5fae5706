"""The one doorway to render threads: bounded threads, a bounded queue, and single-flight.

A full queue fails fast with Overloaded (429 + Retry-After) instead of queueing without
limit (imgproxy `workers`). A slot is held from reading the original to the end of the
render, so at most `workers` originals are in memory at once whatever the concurrency.
`run` takes a slot itself unless its caller already holds one (`slot()`), so no caller can
reach a render thread around the bounded queue.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from edge.concurrency.singleflight import SingleFlight
from edge.errors import Overloaded, RenderTimeout
from edge.metrics import Metrics

T = TypeVar("T")
__all__ = ["RenderPool", "SingleFlight"]  # SingleFlight lives in edge.concurrency; kept importable here
# Set while the current task holds a slot: `run` inside `slot()` must not take a second one.
_HOLDING: ContextVar[bool] = ContextVar("edge_render_slot_held", default=False)


class RenderPool:
    def __init__(self, workers: int, queue_limit: int, metrics: Metrics) -> None:
        self.workers = workers
        self.queue_limit = queue_limit
        self._metrics = metrics
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render")
        self._slots = asyncio.Semaphore(workers)
        self.waiting = 0
        self.abandoned = 0  # renders past their deadline whose thread has not come back yet

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked() and self.waiting >= self.queue_limit:
            raise Overloaded("Too many renders queued - retry shortly")
        self.waiting += 1
        self._metrics.queue_depth.set(self.waiting)
        started = time.perf_counter()
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
            self._metrics.queue_depth.set(self.waiting)
        self._metrics.observe_stage("queue", time.perf_counter() - started)
        self._metrics.renders_in_flight.inc()
        holding = _HOLDING.set(True)
        try:
            yield
        finally:
            _HOLDING.reset(holding)
            self._metrics.renders_in_flight.dec()
            self._slots.release()

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float, on_timeout: Callable[[], None] = lambda: None) -> T:
        """Run blocking `fn` on a render thread; past `timeout`, call `on_timeout` (which should
        make the thread give up) and answer 504. Takes a slot (or Overloaded) unless the caller
        holds one already."""
        if not _HOLDING.get():
            async with self.slot():
                return await self._run(fn, *args, timeout=timeout, on_timeout=on_timeout)
        return await self._run(fn, *args, timeout=timeout, on_timeout=on_timeout)

    async def _run(self, fn: Callable[..., T], *args: Any, timeout: float, on_timeout: Callable[[], None]) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            on_timeout()
            self.abandoned += 1
            self._metrics.render_threads_abandoned.set(self.abandoned)
            future.add_done_callback(self._returned)  # the abandoned result or error is nobody's now
            raise RenderTimeout("Render took too long") from None

    @property
    def wedged(self) -> bool:
        """Every render thread is held by a render its deadline gave up on (stuck in native code
        that `on_timeout` could not stop): this process cannot render until one comes back."""
        return self.abandoned >= self.workers

    def _returned(self, future: asyncio.Future[Any]) -> None:
        self.abandoned -= 1
        self._metrics.render_threads_abandoned.set(self.abandoned)
        _consume(future)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
