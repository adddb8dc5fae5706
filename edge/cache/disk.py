"""Disk tier: one file per derivative, bounded in bytes, least recently used evicted first.

Files are written to a temporary name and renamed, so a reader (or another edge process
sharing the folder, `edge serve --workers N`) never sees half a file. Each process keeps its
own index: a file another process wrote joins it when first read, and a temporary file is
removed at start-up only when it is old (a sibling process may be writing it). The LRU index lives in memory and is rebuilt
from the folder (by access time) at start-up. All methods are blocking: call them through
an executor (`TieredCache` does).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from edge.cache.base import CachedDerivative, deserialize, serialize

_STALE_TEMP_SECONDS = 3600


class DiskCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.bytes = 0
        self._index: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def open_sync(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        found = []
        for path in self.folder.glob("*/*"):
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.name.startswith("."):
                if stat.st_mtime < time.time() - _STALE_TEMP_SECONDS:
                    path.unlink(missing_ok=True)  # a temporary file left by a crash
                continue
            found.append((stat.st_atime, path.name, stat.st_size))
        with self._lock:
            for _, key, size in sorted(found):
                self._index[key] = size
                self.bytes += size
        self._evict()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get_sync(self, key: str) -> CachedDerivative | None:
        try:
            with open(self._path(key), "rb") as f:
                blob = f.read()
        except OSError:
            with self._lock:
                if key in self._index:
                    self.bytes -= self._index.pop(key)
            return None
        with self._lock:
            if key in self._index:
                self._index.move_to_end(key)
            else:  # written by a sibling process sharing the folder
                self._index[key] = len(blob)
                self.bytes += len(blob)
        return deserialize(blob)

    def put_sync(self, key: str, entry: CachedDerivative) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = serialize(entry)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        with self._lock:
            self.bytes += len(blob) - self._index.pop(key, 0)
            self._index[key] = len(blob)
        self._evict()

    def _evict(self) -> None:
        while True:
            with self._lock:
                if self.bytes <= self.max_bytes or not self._index:
                    return
                key, size = self._index.popitem(last=False)
                self.bytes -= size
            self._path(key).unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(self._index)
