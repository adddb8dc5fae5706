"""Video files on local disk: transcoded derivatives, and local copies of originals.

Videos are too large for the memory and Redis tiers (the Redis tier has an entry cap) and the
transcoder reads and writes files, so they live here, under `<EDGE_CACHE_DIR>/video/`:
`derived/<key>.<ext>`, `originals/<sha>` (a copy of an original's current version, which the
transcoder and the frame extractor read; an S3 original is downloaded once per version) and
`tmp/` (files being written; renamed into place when whole, so a reader never sees half of one).
Least recently used files go first when the total passes `max_bytes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from edge.origins.base import OriginVersion


STALE_TEMP_SECONDS = 24 * 3600


class VideoFiles:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.bytes = 0
        self._lock = asyncio.Lock()

    def open_sync(self) -> None:
        for area in ("derived", "originals"):
            (self.root / area).mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        # Half-written files of a stopped process; not the young ones: with several workers on one
        # cache folder, another process may be writing them right now.
        stale = time.time() - STALE_TEMP_SECONDS
        for leftover in (self.root / "tmp").iterdir():
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < stale:
                    leftover.unlink()
        self.bytes = sum(f.stat().st_size for area in ("derived", "originals") for f in (self.root / area).iterdir())

    def derived_path(self, key: str, extension: str) -> Path:
        return self.root / "derived" / f"{key}.{extension}"

    def temp_path(self, extension: str) -> Path:
        return self.root / "tmp" / f"{secrets.token_hex(12)}.{extension}"

    async def lookup(self, path: Path) -> int | None:
        """The size of a whole file at `path` (and mark it used), or None."""
        return await asyncio.get_running_loop().run_in_executor(None, _touch, path)

    async def commit(self, temp: Path, final: Path) -> int:
        size = await asyncio.get_running_loop().run_in_executor(None, _rename, temp, final)
        self.bytes += size
        if self.bytes > self.max_bytes:
            async with self._lock:
                self.bytes = await asyncio.get_running_loop().run_in_executor(None, self._evict_sync, final)
        return size

    async def discard(self, path: Path) -> None:
        await asyncio.get_running_loop().run_in_executor(None, lambda: path.unlink(missing_ok=True))

    async def original(self, version: OriginVersion, extension: str, read: Callable[[], Awaitable[bytes]]) -> Path:
        """A local file holding this version of an original (read once per version)."""
        name = hashlib.sha256(f"{version.locator}\0{version.token}".encode()).hexdigest()[:40]
        path = self.root / "originals" / f"{name}.{extension or 'bin'}"
        if await self.lookup(path) is not None:
            return path
        data = await read()
        temp = self.temp_path("part")
        await asyncio.get_running_loop().run_in_executor(None, temp.write_bytes, data)
        await self.commit(temp, path)
        return path

    async def write_temp(self, data: bytes, extension: str) -> Path:
        temp = self.temp_path(extension)
        await asyncio.get_running_loop().run_in_executor(None, temp.write_bytes, data)
        return temp

    def _evict_sync(self, keep: Path) -> int:
        files = [f for area in ("derived", "originals") for f in (self.root / area).iterdir()]
        stats = sorted(((f.stat(), f) for f in files), key=lambda pair: pair[0].st_mtime_ns)
        total = sum(stat.st_size for stat, _ in stats)
        for stat, path in stats:
            if total <= self.max_bytes:
                break
            if path != keep:
                path.unlink(missing_ok=True)
                total -= stat.st_size
        return total


def _touch(path: Path) -> int | None:
    try:
        os.utime(path)
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _rename(temp: Path, final: Path) -> int:
    size = temp.stat().st_size
    os.replace(temp, final)
    return size
