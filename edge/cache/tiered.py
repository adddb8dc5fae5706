"""Read-through memory -> disk; a disk hit back-fills memory. Disk writes run in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from edge.cache.base import CachedDerivative
from edge.cache.disk import DiskCache
from edge.cache.memory import MemoryCache

log = logging.getLogger(__name__)


class TieredCache:
    def __init__(
        self,
        memory: MemoryCache | None,
        disk: DiskCache | None,
        max_entry_bytes: int,
        record: Callable[[str, bool], None] = lambda tier, hit: None,
    ) -> None:
        self.memory = memory
        self.disk = disk
        self.max_entry_bytes = max_entry_bytes
        self._record = record
        self._writes: set[asyncio.Task[None]] = set()

    async def get(self, key: str) -> tuple[CachedDerivative, str] | None:
        """The entry and the tier that had it."""
        if self.memory is not None:
            entry = self.memory.get(key)
            self._record("memory", entry is not None)
            if entry is not None:
                return entry, "memory"
        if self.disk is not None:
            entry = await asyncio.get_running_loop().run_in_executor(None, self.disk.get_sync, key)
            self._record("disk", entry is not None)
            if entry is not None:
                if self.memory is not None:
                    self.memory.put(key, entry)
                return entry, "disk"
        return None

    def put(self, key: str, entry: CachedDerivative) -> None:
        if entry.size > self.max_entry_bytes:
            return
        if self.memory is not None:
            self.memory.put(key, entry)
        if self.disk is not None:
            task = asyncio.get_running_loop().create_task(self._write_disk(key, entry))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _write_disk(self, key: str, entry: CachedDerivative) -> None:
        assert self.disk is not None
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.disk.put_sync, key, entry)
        except OSError as exc:
            log.warning("disk cache write failed: %s", exc)

    async def drain(self) -> None:
        """Wait for background writes (shutdown, tests)."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)
