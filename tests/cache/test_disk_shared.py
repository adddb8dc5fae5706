"""Two processes' disk tiers on one folder (`edge serve --workers N`)."""

import os
import time

from edge.cache.base import CachedDerivative
from edge.cache.disk import DiskCache

ENTRY = CachedDerivative(b"x" * 100, "image/png", 1, 1)


def test_a_sibling_writes_and_the_other_reads_and_counts_it(tmp_path):
    a, b = DiskCache(tmp_path, 10_000), DiskCache(tmp_path, 10_000)
    a.open_sync()
    b.open_sync()
    a.put_sync("ab" + "0" * 38, ENTRY)
    assert b.get_sync("ab" + "0" * 38) == ENTRY
    assert len(b) == 1 and b.bytes > 100


def test_start_up_spares_a_siblings_fresh_temporary_file(tmp_path):
    (tmp_path / "ab").mkdir()
    fresh, old = tmp_path / "ab" / ".fresh", tmp_path / "ab" / ".old"
    fresh.write_bytes(b"being written")
    old.write_bytes(b"left by a crash")
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    DiskCache(tmp_path, 10_000).open_sync()
    assert fresh.exists() and not old.exists()
