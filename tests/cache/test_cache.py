import asyncio
from pathlib import Path

from edge.cache.base import CachedDerivative
from edge.cache.disk import DiskCache
from edge.cache.memory import MemoryCache
from edge.cache.tiered import TieredCache


def entry(size: int, fill: bytes = b"x") -> CachedDerivative:
    return CachedDerivative(fill * size, "image/jpeg", 10, 10)


def test_memory_lru_is_bounded_in_bytes():
    cache = MemoryCache(max_bytes=250)
    for key in "abc":
        cache.put(key, entry(100))
    assert cache.get("a") is None and cache.get("b") is not None and cache.bytes == 200
    cache.get("b")  # b is now the most recent
    cache.put("d", entry(100))
    assert cache.get("c") is None and cache.get("b") is not None
    cache.put("huge", entry(1000))
    assert cache.get("huge") is None


def test_disk_lru_survives_restart_and_evicts(tmp_path: Path):
    disk = DiskCache(tmp_path, max_bytes=800)
    disk.open_sync()
    for key in ("k1aaaa", "k2bbbb", "k3cccc"):
        disk.put_sync(key, entry(200, key[:1].encode()))
    assert disk.get_sync("k1aaaa").data == b"k" * 200
    disk.put_sync("k4dddd", entry(200))  # over 800 with headers: the least recent (k2) goes
    assert disk.get_sync("k2bbbb") is None
    assert disk.get_sync("k1aaaa") is not None
    again = DiskCache(tmp_path, max_bytes=800)
    again.open_sync()
    got = again.get_sync("k4dddd")
    assert got == entry(200) and got.media_type == "image/jpeg"
    assert not list(tmp_path.glob("*/.*"))  # no temporary files left behind


def test_disk_ignores_corrupt_files(tmp_path: Path):
    disk = DiskCache(tmp_path, max_bytes=10_000)
    disk.open_sync()
    disk.put_sync("abcdef", entry(10))
    (tmp_path / "ab" / "abcdef").write_bytes(b"garbage")
    assert disk.get_sync("abcdef") is None


async def test_tiered_read_through_and_backfill(tmp_path: Path):
    results = []
    disk = DiskCache(tmp_path, 10_000)
    disk.open_sync()
    tiered = TieredCache(MemoryCache(10_000), disk, 5_000, record=lambda tier, hit: results.append((tier, hit)))
    assert await tiered.get("abcdef") is None
    tiered.put("abcdef", entry(10))
    await tiered.drain()
    tiered.memory = MemoryCache(10_000)  # a fresh process: memory empty, disk warm
    got, tier = await tiered.get("abcdef")
    assert tier == "disk" and got == entry(10)
    assert (await tiered.get("abcdef"))[1] == "memory"
    assert results == [("memory", False), ("disk", False), ("memory", False), ("disk", True), ("memory", True)]
    tiered.put("toolarge", entry(6_000))
    await tiered.drain()
    assert await tiered.get("toolarge") is None
    await asyncio.sleep(0)
