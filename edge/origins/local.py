"""The folder store: `<root>/<cloud>/<path>/<name>.<ext>` is served as public_id `<path>/<name>`.

Traversal is impossible: every candidate is resolved (symlinks followed) and must stay
inside the root. Lookups are cached for `revalidate_seconds`, so the hot path makes no
system call, and a replaced original is noticed within that time (its mtime/size change
the version token, hence the derivative key).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from edge.concurrency.ttl import TTLMap
from edge.errors import OriginUnavailable, ResourceNotFound, SourceTooLarge
from edge.origins.base import OriginVersion, Staged

# When several files share a stem, prefer the usual image formats, in this order.
_PREFERRED = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".heic", ".tif", ".tiff")
_MAX_LOOKUP_ENTRIES = 100_000


class LocalOriginStore:
    def __init__(self, root: Path, revalidate_seconds: float = 1.0) -> None:
        self.root = root.resolve()
        self.revalidate_seconds = revalidate_seconds
        self._lookups: TTLMap[OriginVersion | None] = TTLMap(_MAX_LOOKUP_ENTRIES, revalidate_seconds)

    async def locate(self, cloud: str, public_id: str) -> OriginVersion:
        key = (cloud, public_id)
        if key in self._lookups:
            version = self._lookups.get(key)
        else:
            version = await asyncio.get_running_loop().run_in_executor(None, self.locate_sync, cloud, public_id)
            self._lookups.put(key, version)
        if version is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return version

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
        self._lookups.pop((cloud, public_id))

    def forget_all(self) -> None:
        self._lookups.clear()

    # -- writes (Upload API). Files are written to a hidden temporary name and renamed into place,
    # so delivery never reads half an original; siblings with another extension are removed so
    # the new format wins. Every write forgets the cached lookup at once.

    async def write(self, cloud: str, public_id: str, extension: str, data: bytes, mtime_ns: int | None = None) -> str:
        """Store an original; returns its locator. `mtime_ns` (from the asset version) makes the
        version token change on every overwrite, even within one clock tick at the same size."""
        staged = await self.stage(cloud, public_id, extension, data, mtime_ns)
        await self.publish(staged)
        return staged.target

    async def stage(self, cloud: str, public_id: str, extension: str, data: bytes, mtime_ns: int | None = None) -> Staged:
        """Write the bytes under a hidden name beside their place: invisible until `publish`."""
        path = self._target(cloud, public_id, extension)
        temp = await asyncio.get_running_loop().run_in_executor(None, _stage, path, data, mtime_ns)
        return Staged(temp, str(path), cloud, public_id)

    async def publish(self, staged: Staged) -> None:
        await asyncio.get_running_loop().run_in_executor(None, _publish, staged)
        self._lookups.pop((staged.cloud, staged.public_id))

    async def is_staged(self, staged: Staged) -> bool:
        """Whether the staged file is still there, i.e. was never published (write recovery)."""
        return await asyncio.get_running_loop().run_in_executor(None, os.path.exists, staged.temp)

    async def discard(self, staged: Staged) -> None:
        await asyncio.get_running_loop().run_in_executor(None, lambda: Path(staged.temp).unlink(missing_ok=True))

    async def delete(self, cloud: str, public_id: str) -> bool:
        removed = await asyncio.get_running_loop().run_in_executor(None, self._delete_sync, cloud, public_id)
        self._lookups.pop((cloud, public_id))
        return removed

    async def move(self, cloud: str, from_id: str, to_id: str, mtime_ns: int | None = None) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._move_sync, cloud, from_id, to_id, mtime_ns)
        self._lookups.pop((cloud, from_id))
        self._lookups.pop((cloud, to_id))

    async def keep(self, locator: str, area: str, name: str) -> str:
        """Copy an original aside (backups) under `<root>/.edge/<area>/`; returns the copy's locator."""
        target = self.root / ".edge" / area / name
        await asyncio.get_running_loop().run_in_executor(None, _copy, Path(locator), target)
        return str(target)

    async def add_part(self, upload: str, start: int, data: bytes, total: int) -> bytes | None:
        """One chunk of a chunked upload (`upload` is a safe token); the whole file once all arrived."""
        folder = self.root / ".edge" / "parts" / upload
        return await asyncio.get_running_loop().run_in_executor(None, _add_part, folder, start, data, total)

    async def read_locator(self, locator: str, max_bytes: int) -> bytes:
        path = Path(locator).resolve()
        if not path.is_relative_to(self.root):
            raise ResourceNotFound("Resource not found")
        return await asyncio.get_running_loop().run_in_executor(None, _read_capped, str(path), max_bytes)

    def _target(self, cloud: str, public_id: str, extension: str) -> Path:
        parts = [cloud, *public_id.split("/")]
        if any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts) or "/" in extension:
            raise ResourceNotFound(f"Invalid public_id - {public_id}")
        path = self.root.joinpath(*parts[:-1]) / f"{parts[-1]}.{extension}"
        existing = path.parent
        while not existing.exists():  # a symlinked folder must not lead outside the root
            existing = existing.parent
        if not existing.resolve().is_relative_to(self.root):
            raise ResourceNotFound(f"Invalid public_id - {public_id}")
        return path

    def _delete_sync(self, cloud: str, public_id: str) -> bool:
        removed = False
        for _ in range(len(_PREFERRED) + 8):  # every extension of the stem; bounded, whatever unlink does
            version = self.locate_sync(cloud, public_id)
            if version is None:
                break
            Path(version.locator).unlink(missing_ok=True)
            removed = True
        return removed

    def _move_sync(self, cloud: str, from_id: str, to_id: str, mtime_ns: int | None = None) -> None:
        version = self.locate_sync(cloud, from_id)
        if version is None:
            raise ResourceNotFound(f"Resource not found - {from_id}")
        extension = os.path.splitext(version.locator)[1].lstrip(".")
        target = self._target(cloud, to_id, extension)
        self._delete_sync(cloud, to_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        if mtime_ns is not None:  # a new version token: nothing cached under the target id can match
            os.utime(version.locator, ns=(mtime_ns, mtime_ns))
        os.replace(version.locator, target)

    async def check(self) -> None:
        if not await asyncio.get_running_loop().run_in_executor(None, os.path.isdir, self.root):
            raise OriginUnavailable("Storage folder is missing")


def _preference(name: str) -> tuple[int, str]:
    ext = os.path.splitext(name)[1].lower()
    return (_PREFERRED.index(ext) if ext in _PREFERRED else len(_PREFERRED), name)


def _stage(path: Path, data: bytes, mtime_ns: int | None = None) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mtime_ns is not None:
            os.utime(tmp, ns=(mtime_ns, mtime_ns))
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _publish(staged: Staged) -> None:
    path = Path(staged.target)
    os.replace(staged.temp, path)
    stem = path.name.rpartition(".")[0]
    for sibling in path.parent.iterdir():  # another extension of the same public_id: the new format wins
        if sibling != path and sibling.name.rpartition(".")[0] == stem and sibling.is_file():
            sibling.unlink(missing_ok=True)


def _write_replacing(path: Path, data: bytes, mtime_ns: int | None = None) -> None:
    tmp = _stage(path, data, mtime_ns)
    _publish(Staged(tmp, str(path), "", ""))


_PARTS_KEPT_SECONDS = 3600


def _add_part(folder: Path, start: int, data: bytes, total: int) -> bytes | None:
    _sweep_abandoned(folder.parent)
    _write_replacing(folder / f"{start:020d}.part", data)  # distinct stems: _publish keeps siblings
    parts = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if sum(p.stat().st_size for p in parts) < total:
        return None
    whole = b"".join(p.read_bytes() for p in parts)
    for part in parts:
        part.unlink(missing_ok=True)
    folder.rmdir()
    return whole


def _sweep_abandoned(parts_root: Path) -> None:
    """Chunked uploads never finished within an hour are dropped (they would only fill the disk)."""
    if not parts_root.is_dir():
        return
    cutoff = time.time() - _PARTS_KEPT_SECONDS
    for upload in parts_root.iterdir():
        try:
            if upload.stat().st_mtime < cutoff:
                for part in upload.iterdir():
                    part.unlink(missing_ok=True)
                upload.rmdir()
        except OSError:
            continue  # another process is sweeping or writing it


def _copy(source: Path, target: Path) -> None:
    _write_replacing(target, source.read_bytes())


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
