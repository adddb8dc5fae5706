"""Read-through memory -> disk -> Redis (shared); a hit back-fills the faster tiers.

Disk and Redis writes run in the background, tracked so that shutdown (and a render lock's
holder, through `flush`) can wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from edge.cache.base import CachedDerivative
from edge.cache.disk import DiskCache
from edge.cache.memory import MemoryCache
from edge.cache.redis import RedisTier
from edge.concurrency.tasks import BackgroundTasks

log = logging.getLogger(__name__)
T = TypeVar("T")


class TieredCache:
    def __init__(
        self,
        memory: MemoryCache | None,
        disk: DiskCache | None,
        max_entry_bytes: int,
        record: Callable[[str, bool], None] = lambda tier, hit: None,
        shared: RedisTier | None = None,
        timing: Callable[[str, float], None] = lambda tier, seconds: None,
        failed: Callable[[str], None] = lambda tier: None,
    ) -> None:
        self._timing = timing  # disk and Redis lookups (memory is a dict lookup: not timed)
        self._failed = failed
        self.memory = memory
        self.disk = disk
        self.shared = shared
        self._shared_writes: dict[str, asyncio.Task[bool]] = {}
        self.max_entry_bytes = max_entry_bytes
        self._record = record
        self._writes = BackgroundTasks("cache writes")

    async def get(self, key: str) -> tuple[CachedDerivative, str] | None:
        """The entry and the tier that had it."""
        if self.memory is not None:
            entry = self.memory.get(key)
            self._record("memory", entry is not None)
            if entry is not None:
                return entry, "memory"
        if self.disk is not None:
            started = time.perf_counter()
            entry = await asyncio.get_running_loop().run_in_executor(None, self.disk.get_sync, key)
            self._timing("disk", time.perf_counter() - started)
            self._record("disk", entry is not None)
            if entry is not None:
                if self.memory is not None:
                    self.memory.put(key, entry)
                return entry, "disk"
        if self.shared is not None and self.shared.healthy:
            started = time.perf_counter()
            entry = await self.shared.get(key)
            self._timing("redis", time.perf_counter() - started)
            self._record("redis", entry is not None)
            if entry is not None:
                self.fill_local(key, entry)
                return entry, "redis"
        return None

    def fill_local(self, key: str, entry: CachedDerivative) -> None:
        """Memory now, disk in the background: for an entry that came from Redis."""
        if self.memory is not None:
            self.memory.put(key, entry)
        if self.disk is not None and entry.size <= self.max_entry_bytes:
            self.track(self._write_disk(key, entry))

    def put(self, key: str, entry: CachedDerivative) -> None:
        if entry.size > self.max_entry_bytes:
            return
        if self.memory is not None:
            self.memory.put(key, entry)
        if self.disk is not None:
            self.track(self._write_disk(key, entry))
        if self.shared is not None:
            task = self.track(self.shared.put(key, entry))
            self._shared_writes[key] = task
            task.add_done_callback(lambda t: self._shared_writes.pop(key, None) if self._shared_writes.get(key) is t else None)

    async def flush(self, key: str) -> bool:
        """Wait for the Redis write of `key` started by `put`; whether it is now shared."""
        task = self._shared_writes.get(key)
        if task is None:
            return False
        try:
            return await asyncio.shield(task)
        except Exception:
            return False

    def track(self, write: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        return self._writes.spawn(write)

    async def _write_disk(self, key: str, entry: CachedDerivative) -> None:
        assert self.disk is not None
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.disk.put_sync, key, entry)
        except OSError as exc:
            self._failed("disk")
            log.warning("disk cache write failed: %s", exc)

    async def drain(self) -> None:
        """Wait for background writes (shutdown, tests)."""
        await self._writes.drain()
