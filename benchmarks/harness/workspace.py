"""One run's folder and knobs: the storage edge serves (copies of the corpus), its disk cache,
the servers' log, the wrk script, and the options every cell reads."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

from harness.corpus import SETS, ensure_corpus, stage_storage
from harness.load import Wrk


@dataclass(frozen=True)
class Workspace:
    folder: str
    corpus: str
    storage: str
    cache_dir: str
    log: str
    wrk: Wrk
    seconds: float
    workers: int  # edge serve --workers (and the bare app's processes)
    render_workers: int  # EDGE_RENDER_WORKERS; 0 = edge's default
    memory_cache: int | None  # EDGE_CACHE_MEMORY_BYTES; None = edge's default

    @property
    def render_threads(self) -> int:
        """Render threads per edge worker (EDGE_RENDER_WORKERS, whose default is the CPU count)."""
        return self.render_workers or os.cpu_count() or 2

    @property
    def raw_threads(self) -> int:
        """T: the renders edge can run at once (workers x render threads)."""
        return self.render_threads * self.workers

    @classmethod
    def create(cls, sets: list[str], corpus: str | None, seconds: float, wrk_threads: int, workers: int,
               render_workers: int, memory_cache: int | None) -> Workspace:
        names = [n for s in sets for n in SETS[s]]
        corpus = ensure_corpus(corpus, names)
        folder = tempfile.mkdtemp(prefix="edge-delivery-bench-")
        storage = os.path.join(folder, "storage")
        stage_storage(corpus, names, storage)
        return cls(folder, corpus, storage, os.path.join(folder, "cache"), os.path.join(folder, "server.log"),
                   Wrk.install(os.path.join(folder, "bench.lua"), wrk_threads, seconds),
                   seconds, workers, render_workers, memory_cache)

    def clean(self) -> None:
        """The big files go; the log and the wrk script stay for a look afterwards."""
        shutil.rmtree(self.storage, ignore_errors=True)
        shutil.rmtree(self.cache_dir, ignore_errors=True)
