"""The Redis tier against real Redis servers: sharing, caps, locks, and surviving an outage."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator

import pytest

from edge.cache.base import CachedDerivative
from edge.cache.redis import RedisTier, open_client
from edge.metrics import Metrics
from edge.settings import RedisSettings, Secret
from tests.helpers.servers import ThrowawayRedis

ENTRY = CachedDerivative(b"\x89PNG" + b"x" * 1000, "image/png", 10, 20)


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed")
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


def settings(url: str, prefix: str = "edge-test:", **extra) -> RedisSettings:
    return RedisSettings(url=Secret(url), key_prefix=prefix, socket_timeout_seconds=0.3, retry_seconds=0.1, **extra)


async def test_entries_round_trip_with_a_ttl_and_a_byte_cap(redis_server, redis_prefix):
    s = settings(redis_server, redis_prefix, ttl_seconds=60, max_entry_bytes=2000)
    async with open_client(s) as client:
        tier = RedisTier(client, s, Metrics())
        assert await tier.get("k1") is None
        assert await tier.put("k1", ENTRY)
        assert await tier.get("k1") == ENTRY
        assert 0 < await client.ttl(f"{redis_prefix}d:k1") <= 60
        assert not await tier.put("big", CachedDerivative(b"x" * 2001, "image/png", 1, 1))
        assert await tier.get("big") is None


async def test_one_lock_holder_and_only_the_holder_unlocks(redis_server, redis_prefix):
    s = settings(redis_server, redis_prefix, lock_seconds=5)
    async with open_client(s) as client:
        a, b = RedisTier(client, s, Metrics()), RedisTier(client, s, Metrics())
        token = await a.lock("k")
        assert token and await b.lock("k") == "" and await b.state("k") == "locked"
        await b.unlock("k", "not-the-token")
        assert await b.state("k") == "locked"
        await a.unlock("k", token)
        assert await b.state("k") == "free"
        await a.put("k", ENTRY)
        assert await b.state("k") == "ready"


async def test_an_outage_is_survived_and_healed(throwaway_redis):
    s = settings(throwaway_redis.url)
    metrics = Metrics()
    async with open_client(s) as client:
        tier = RedisTier(client, s, metrics)
        watcher = asyncio.get_running_loop().create_task(tier.watch())
        try:
            assert await tier.put("k", ENTRY)
            throwaway_redis.stop()
            started = time.monotonic()
            assert await tier.get("k") is None  # an error is a miss, never an exception
            assert not tier.healthy and metrics.redis_up.labels().get() == 0
            assert await tier.lock("k") is None  # "could not ask": render locally
            for _ in range(100):  # skipped while unhealthy: no waiting on a dead server
                await tier.get("k")
            assert time.monotonic() - started < 2
            throwaway_redis.start()  # empty again: a fresh server on the same port
            for _ in range(100):
                if tier.healthy:
                    break
                await asyncio.sleep(0.05)
            assert tier.healthy and metrics.redis_up.labels().get() == 1
            assert await tier.put("k", ENTRY) and await tier.get("k") == ENTRY
        finally:
            watcher.cancel()


async def test_invalidation_messages_reach_subscribers(redis_server, redis_prefix):
    s = settings(redis_server, redis_prefix)
    received: list[dict[str, str]] = []
    connected = asyncio.Event()

    async def on_message(message):
        received.append(message)

    async def on_connect():
        connected.set()

    async with open_client(s) as client:
        tier = RedisTier(client, s, Metrics())
        task = asyncio.get_running_loop().create_task(tier.subscribe(on_message, on_connect))
        await asyncio.wait_for(connected.wait(), 5)
        assert await tier.publish({"cloud": "demo", "public_id": "a/b"})
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.02)
        task.cancel()
    assert received == [{"cloud": "demo", "public_id": "a/b"}]
