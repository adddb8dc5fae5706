"""The folder store: `<root>/<cloud>/<path>/<name>.<ext>` is served as public_id `<path>/<name>`.

Traversal is impossible: every candidate is resolved (symlinks followed) and must stay
inside the root. Lookups are cached for `revalidate_seconds`, so the hot path makes no
system call, and a replaced original is noticed within that time (its mtime/size change
the version token, hence the derivative key).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from edge.errors import OriginUnavailable, ResourceNotFound, SourceTooLarge
from edge.origins.base import OriginVersion

# When several files share a stem, prefer the usual image formats, in this order.
_PREFERRED = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".heic", ".tif", ".tiff")
_MAX_LOOKUP_ENTRIES = 100_000


class LocalOriginStore:
    def __init__(self, root: Path, revalidate_seconds: float = 1.0) -> None:
        self.root = root.resolve()
        self.revalidate_seconds = revalidate_seconds
        self._lookups: dict[tuple[str, str], tuple[float, OriginVersion | None]] = {}

    async def locate(self, cloud: str, public_id: str) -> OriginVersion:
        key = (cloud, public_id)
        cached = self._lookups.get(key)
        now = time.monotonic()
        if cached is None or cached[0] <= now:
            version = await asyncio.get_running_loop().run_in_executor(None, self.locate_sync, cloud, public_id)
            if len(self._lookups) >= _MAX_LOOKUP_ENTRIES:
                self._lookups.clear()
            cached = (now + self.revalidate_seconds, version)
            self._lookups[key] = cached
        if cached[1] is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return cached[1]

    def locate_sync(self, cloud: str, public_id: str) -> OriginVersion | None:
        parts = [cloud, *public_id.split("/")]
        if any(p in ("", ".", "..") or "\\" in p or "\0" in p or os.sep in p for p in parts):
            return None
        folder = self._inside(self.root.joinpath(*parts[:-1]))
        if folder is None:
            return None
        stem = parts[-1]
        try:
            with os.scandir(folder) as entries:
                names = [e.name for e in entries if e.name == stem or e.name.rpartition(".")[0] == stem]
        except OSError:
            return None
        for name in sorted(names, key=_preference):
            path = self._inside(folder / name)
            if path is None or not path.is_file():
                continue
            stat = path.stat()
            return OriginVersion(str(path), f"{stat.st_mtime_ns:x}-{stat.st_size:x}", stat.st_size)
        return None

    def _inside(self, path: Path) -> Path | None:
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        return resolved if resolved.is_relative_to(self.root) else None

    async def read(self, version: OriginVersion, max_bytes: int) -> bytes:
        if version.size > max_bytes:
            raise SourceTooLarge(f"File size too large - {version.size} bytes (max {max_bytes})")
        return await asyncio.get_running_loop().run_in_executor(None, _read_capped, version.locator, max_bytes)

    def forget(self, cloud: str, public_id: str) -> None:
        self._lookups.pop((cloud, public_id), None)

    def forget_all(self) -> None:
        self._lookups.clear()

    async def check(self) -> None:
        if not await asyncio.get_running_loop().run_in_executor(None, os.path.isdir, self.root):
            raise OriginUnavailable("Storage folder is missing")


def _preference(name: str) -> tuple[int, str]:
    ext = os.path.splitext(name)[1].lower()
    return (_PREFERRED.index(ext) if ext in _PREFERRED else len(_PREFERRED), name)


def _read_capped(path: str, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise ResourceNotFound("Resource not found") from None
    except OSError as exc:
        raise OriginUnavailable("Could not read the original", detail=str(exc)) from None
    if len(data) > max_bytes:
        raise SourceTooLarge(f"File size too large - over {max_bytes} bytes")
    return data
