"""Cross-node coordination: render a new derivative once across nodes, invalidate everywhere,
and remember each variant's last good derivative for stale-if-error.

Render once: the node that wins a Redis lock (SET NX PX) renders, writes the result to
Redis, then releases the lock; the others poll (cheap EXISTS) until the derivative appears.
If the lock disappears without a result (the holder failed or the result was too large to
share), or `wait_seconds` pass, or Redis fails, a node renders for itself: coordination
saves work, it never blocks delivery.

Invalidation: derivative keys already contain the original's version token, so a replaced
original needs no derivative to be deleted; what must go is every node's memory of the
lookup (public_id -> key + version) and of the last good derivative. `invalidate` applies
that here at once and publishes it; every node applies what it receives. A node that was
disconnected from Redis forgets all its lookups when it reconnects (it may have missed
messages).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from edge.cache.base import CachedDerivative
from edge.cache.redis import RedisTier
from edge.cache.tiered import TieredCache
from edge.metrics import Metrics
from edge.origins.base import OriginStore

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.05
_MAX_REMEMBERED_ASSETS = 50_000
# Most recently served variants kept per asset: a few assets asked in ever new transformations
# (a soak's cold renders, a crawler) must not grow one asset's record without bound.
_MAX_VARIANTS_PER_ASSET = 256
_RESHARE_BATCH = 500
_RESHARE_WAIT_SECONDS = 30.0


class Cluster:
    def __init__(
        self,
        origins: OriginStore,
        cache: TieredCache,
        metrics: Metrics,
        shared: RedisTier | None = None,
        wait_seconds: float = 10.0,
    ) -> None:
        self.origins = origins
        self.cache = cache
        self.metrics = metrics
        self.shared = shared
        self.wait_seconds = wait_seconds
        # asset -> variant -> derivative key: the last good derivative of each variant.
        self._last_good: OrderedDict[str, OrderedDict[str, str]] = OrderedDict()
        # Called on every invalidation (local or from another node): memos of recent answers.
        self.on_invalidate: list[Callable[[], None]] = []
        # Called with a cloud whose definitions (named transformations, strict rules) changed.
        self.on_definitions: list[Callable[[str], Awaitable[None]]] = []
        if shared is not None:
            shared.on_new_server.append(self.reconnected)  # a restarted Redis lost messages and records

    # -- render once across nodes ---------------------------------------------------------
    async def render_once(self, key: str, build: Callable[[], Awaitable[CachedDerivative]]) -> tuple[CachedDerivative, str]:
        """(entry, source): source "render" when this node rendered, "redis" when another did."""
        shared = self.shared
        if shared is None or not shared.healthy:
            return await build(), "render"
        deadline = time.monotonic() + self.wait_seconds
        while True:
            token = await shared.lock(key)
            if token is None:  # Redis failed: render here
                return await build(), "render"
            if token:
                self.metrics.coordination.labels("lock_acquired").inc()
                try:
                    # Another node may have finished (and unlocked) between our cache miss and
                    # this lock: look once more before rendering it a second time.
                    done = await shared.get(key)
                    if done is not None:
                        self.cache.fill_local(key, done)
                        return done, "redis"
                    entry = await build()
                    await self.cache.flush(key)  # shared before the lock goes: waiters find it
                finally:
                    await shared.unlock(key, token)
                return entry, "render"
            entry = await self._wait_for_other_node(key, deadline)
            if entry is not None:
                self.metrics.coordination.labels("waited").inc()
                self.cache.fill_local(key, entry)
                return entry, "redis"
            if time.monotonic() >= deadline or not shared.healthy:
                self.metrics.coordination.labels("wait_timeout").inc()
                return await build(), "render"
            self.metrics.coordination.labels("lock_lost").inc()  # freed without a result: try to lead

    async def _wait_for_other_node(self, key: str, deadline: float) -> CachedDerivative | None:
        assert self.shared is not None
        while time.monotonic() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
            state = await self.shared.state(key)
            if state == "ready":
                return await self.shared.get(key)
            if state != "locked":
                return None
        return None

    # -- last good derivative (stale-if-error) --------------------------------------------
    def remember(self, cloud: str, public_id: str, variant: str, key: str, *, share: bool) -> None:
        asset = _asset(cloud, public_id)
        variants = self._last_good.get(asset)
        if variants is None:
            if len(self._last_good) >= _MAX_REMEMBERED_ASSETS:
                self._last_good.popitem(last=False)
            variants = self._last_good[asset] = OrderedDict()
        else:
            self._last_good.move_to_end(asset)
        if variants.get(variant) == key:
            variants.move_to_end(variant)
            return
        variants[variant] = key
        variants.move_to_end(variant)
        if len(variants) > _MAX_VARIANTS_PER_ASSET:
            variants.popitem(last=False)
        if share and self.shared is not None:
            self.cache.track(self.shared.remember(asset, variant, key))

    async def last_good(self, cloud: str, public_id: str, variant: str) -> tuple[str, CachedDerivative] | None:
        asset = _asset(cloud, public_id)
        key = self._last_good.get(asset, {}).get(variant)
        if key is None and self.shared is not None:
            key = await self.shared.recall(asset, variant)
        if key is None:
            return None
        hit = await self.cache.get(key)
        return (key, hit[0]) if hit is not None else None

    # -- invalidation ---------------------------------------------------------------------
    async def invalidate(self, cloud: str, public_id: str) -> None:
        """Here at once; on every other node as soon as the message arrives."""
        await self.apply({"cloud": cloud, "public_id": public_id})
        if self.shared is not None:
            await self.shared.forget(_asset(cloud, public_id))
            if await self.shared.publish({"cloud": cloud, "public_id": public_id}):
                self.metrics.invalidations.labels("published").inc()

    async def definitions_changed(self, cloud: str) -> None:
        """A cloud's definitions changed: reloaded here before the caller answers, on every other
        node as soon as the message arrives (without Redis, other processes reload within a second)."""
        await self.apply({"cloud": cloud, "definitions": "1"})
        if self.shared is not None:
            await self.shared.publish({"cloud": cloud, "definitions": "1"})

    async def apply(self, message: dict[str, str]) -> None:
        cloud, public_id = message.get("cloud", ""), message.get("public_id", "")
        if message.get("definitions"):
            for reload in self.on_definitions:
                await reload(cloud)
            for forget in self.on_invalidate:  # a remembered answer may have used the old definition
                forget()
            return
        self.origins.forget(cloud, public_id)
        for forget in self.on_invalidate:
            forget()
        self._last_good.pop(_asset(cloud, public_id), None)
        self.metrics.invalidations.labels("applied").inc()

    def health(self) -> dict[str, str]:
        if self.shared is None:
            return {}
        return {"redis": "ok" if self.shared.healthy else f"unhealthy ({self.shared.last_error or 'down'})"}

    async def reconnected(self) -> None:
        self.origins.forget_all()
        for forget in self.on_invalidate:  # messages may have been missed while disconnected
            forget()
        if self.shared is not None and self._last_good:
            # A Redis that restarted came back empty: without the shared records, a process that
            # never served a variant itself has no stale copy to fall back on in an origin outage.
            self.cache.track(self._reshare([(asset, dict(variants)) for asset, variants in self._last_good.items()]))

    async def _reshare(self, records: list[tuple[str, dict[str, str]]]) -> None:
        assert self.shared is not None
        deadline = time.monotonic() + _RESHARE_WAIT_SECONDS
        while not self.shared.healthy and time.monotonic() < deadline:  # the health watcher flips it
            await asyncio.sleep(0.2)
        for start in range(0, len(records), _RESHARE_BATCH):
            await self.shared.remember_many(records[start:start + _RESHARE_BATCH])

    async def listen(self) -> None:
        """Forever (a task owned by the app): apply invalidations published by any node."""
        if self.shared is not None:
            await self.shared.subscribe(self.apply, self.reconnected)


def _asset(cloud: str, public_id: str) -> str:
    return hashlib.sha256(f"{cloud}\0{public_id}".encode()).hexdigest()[:32]
