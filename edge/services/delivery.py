"""Delivery.get: a parsed delivery path and the client's Accept -> a derivative (cached or rendered)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from edge.cache.base import CachedDerivative
from edge.cache.tiered import TieredCache
from edge.errors import EdgeError, InvalidTransformation, ResourceNotFound
from edge.grammar.chain import Chain
from edge.grammar.delivery_path import DeliveryPath
from edge.grammar.named import expand, uses_named
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.render import Rendered, render
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
    negotiated: bool  # the format depended on Accept
    source: str  # memory | disk | render | shared (waited for another request's render)


class Delivery:
    def __init__(
        self,
        cloud: str,
        origins: OriginStore,
        cache: TieredCache,
        pool: RenderPool,
        limits: DeliveryLimits,
        metrics: Metrics,
    ) -> None:
        self.cloud = cloud
        self.clouds = frozenset({cloud})  # every product environment served (the credentials' clouds)
        # cloud -> {name: Chain} for t_<name>; set by the app when a catalog is configured.
        self.named: Callable[[str], Awaitable[Mapping[str, Chain]]] | None = None
        self.origins = origins
        self.cache = cache
        self.pool = pool
        self.limits = limits
        self.metrics = metrics
        self._flights = SingleFlight()

    async def get(self, path: DeliveryPath, accept: str) -> Derivative:
        if path.cloud not in self.clouds:
            raise ResourceNotFound(f"Unknown cloud - {path.cloud}")
        if self.named is not None and uses_named(path.chain):
            path = replace(path, chain=expand(path.chain, await self.named(path.cloud)))
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
        if hit is not None:
            entry, tier = hit
            return Derivative(entry, _etag(key), output.negotiated, tier)
        entry, led = await self._flights.run(key, lambda: self._build(key, path, output, version))
        return Derivative(entry, _etag(key), output.negotiated, "render" if led else "shared")

    async def _build(self, key: str, path: DeliveryPath, output: OutputSpec, version: OriginVersion) -> CachedDerivative:
        limits = self.limits
        async with self.pool.slot():
            started = time.perf_counter()
            data = await self.origins.read(version, limits.max_source_bytes)
            self.metrics.origin_bytes.inc(len(data))
            rendered_at = time.perf_counter()
            self.metrics.observe_stage("origin", rendered_at - started)
            deadline = time.monotonic() + limits.render_timeout
            try:
                rendered: Rendered = await self.pool.run(
                    render, data, path.chain, output, limits.imaging, deadline, timeout=limits.render_timeout
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
