"""Delivery.get: a parsed delivery path and the client's Accept -> a derivative (cached or rendered)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from edge.cache.base import CachedDerivative
from edge.cache.tiered import TieredCache
from edge.errors import EdgeError, InvalidTransformation, ResourceNotFound
from edge.grammar.delivery_path import DeliveryPath
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.render import Abort, Rendered, render
from edge.metrics import Metrics
from edge.origins.base import OriginStore, OriginVersion
from edge.services.render_pool import RenderPool, SingleFlight


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    imaging: Limits
    max_source_bytes: int
    render_timeout: float


@dataclass(frozen=True, slots=True)
class Derivative:
    entry: CachedDerivative
    etag: str  # strong; derived from the cache key: same key, same bytes
    negotiated: bool  # the format depended on Accept: Vary: Accept
    source: str  # memory | disk | render | shared (waited for another request's render)
    versioned: bool  # the URL carries v<version>: cacheable forever


@dataclass(frozen=True, slots=True)
class _Recent:
    expires: float
    key: str
    etag: str
    negotiated: bool
    versioned: bool


MAX_RECENT = 50_000


class Delivery:
    def __init__(
        self,
        cloud: str,
        origins: OriginStore,
        cache: TieredCache,
        pool: RenderPool,
        limits: DeliveryLimits,
        metrics: Metrics,
        recent_seconds: float = 0.0,
    ) -> None:
        self.cloud = cloud
        self.origins = origins
        self.cache = cache
        self.pool = pool
        self.limits = limits
        self.metrics = metrics
        self._flights = SingleFlight()
        # (raw path, Accept) -> the derivative key it led to, trusted as long as an origin
        # lookup is (recent_seconds): a repeated URL skips parsing, lookup and hashing.
        self.recent_seconds = recent_seconds
        self._recent: dict[object, _Recent] = {}

    def recent(self, memo_key: object) -> Derivative | None:
        """The answer to a request seen moments ago, if its bytes are still in memory."""
        seen = self._recent.get(memo_key)
        if seen is None or seen.expires < time.monotonic() or self.cache.memory is None:
            return None
        entry = self.cache.memory.get(seen.key)
        if entry is None:
            return None
        self.metrics.cache_result("memory", True)
        return Derivative(entry, seen.etag, seen.negotiated, "memory", seen.versioned)

    def forget_recent(self) -> None:
        """Call on any invalidation: the memo may name a derivative of the old original."""
        self._recent.clear()

    def _remember(self, memo_key: object, key: str, derivative: Derivative) -> None:
        if self.recent_seconds <= 0:
            return
        if len(self._recent) >= MAX_RECENT:
            self._recent.clear()
        expires = time.monotonic() + self.recent_seconds
        self._recent[memo_key] = _Recent(expires, key, derivative.etag, derivative.negotiated, derivative.versioned)

    async def get(self, path: DeliveryPath, accept: str, memo_key: object = None) -> Derivative:
        if path.cloud != self.cloud:
            raise ResourceNotFound(f"Unknown cloud - {path.cloud}")
        output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, accept)
        started = time.perf_counter()
        try:
            version = await self.origins.locate(path.cloud, path.public_id)
        except ResourceNotFound:
            if path.suspect_error:  # `w_abc/x.jpg`: no folder "w_abc", so the width was meant
                raise InvalidTransformation(path.suspect_error) from None
            raise
        key = derivative_key(path, output, version)
        hit = await self.cache.get(key)
        self.metrics.observe_stage("cache", time.perf_counter() - started)
        versioned = path.version is not None
        if hit is not None:
            entry, tier = hit
            derivative = Derivative(entry, _etag(key), output.negotiated, tier, versioned)
        else:
            entry, led = await self._flights.run(key, lambda: self._build(key, path, output, version))
            derivative = Derivative(entry, _etag(key), output.negotiated, "render" if led else "shared", versioned)
        if memo_key is not None:
            self._remember(memo_key, key, derivative)
        return derivative

    async def _build(self, key: str, path: DeliveryPath, output: OutputSpec, version: OriginVersion) -> CachedDerivative:
        limits = self.limits
        async with self.pool.slot():
            started = time.perf_counter()
            data = await self.origins.read(version, limits.max_source_bytes)
            self.metrics.origin_bytes.inc(len(data))
            rendered_at = time.perf_counter()
            self.metrics.observe_stage("origin", rendered_at - started)
            abort = Abort()
            try:
                rendered: Rendered = await self.pool.run(
                    render, data, path.chain, output, limits.imaging, abort, timeout=limits.render_timeout, on_timeout=abort.kill
                )
            except EdgeError:
                self.metrics.renders.labels("error").inc()
                raise
            del data
        self.metrics.renders.labels("ok").inc()
        self.metrics.observe_stage("render", time.perf_counter() - rendered_at)
        self.metrics.observe_stage("encode", rendered.encode_seconds)
        entry = CachedDerivative(rendered.data, rendered.format.media_type, rendered.width, rendered.height)
        self.cache.put(key, entry)
        return entry

    async def ready(self) -> None:
        await self.origins.check()


def derivative_key(path: DeliveryPath, output: OutputSpec, version: OriginVersion) -> str:
    material = "\0".join(
        (path.cloud, path.resource_type, path.delivery_type, path.public_id, version.token, path.chain.canonical, output.token)
    )
    return hashlib.sha256(material.encode()).hexdigest()[:40]


def _etag(key: str) -> str:
    return f'"{key[:32]}"'
