"""Delivery.get: a parsed delivery path and the client's Accept -> a derivative (cached or rendered)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from edge.cache.base import CachedDerivative
from edge.cache.tiered import TieredCache
from edge.errors import (
    EdgeError,
    InvalidTransformation,
    OriginChanged,
    OriginTimeout,
    OriginUnavailable,
    ResourceNotFound,
)
from edge.grammar.delivery_path import DeliveryPath
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.render import Rendered, render
from edge.metrics import Metrics
from edge.origins.base import OriginStore, OriginVersion
from edge.services.coordination import Cluster
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
    source: str  # memory | disk | redis | render | shared (waited for another request's render) | stale


class Delivery:
    def __init__(
        self,
        cloud: str,
        origins: OriginStore,
        cache: TieredCache,
        pool: RenderPool,
        limits: DeliveryLimits,
        metrics: Metrics,
        cluster: Cluster | None = None,
    ) -> None:
        self.cloud = cloud
        self.origins = origins
        self.cache = cache
        self.pool = pool
        self.limits = limits
        self.metrics = metrics
        self._flights = SingleFlight()
        self.cluster = cluster or Cluster(origins, cache, metrics)

    async def get(self, path: DeliveryPath, accept: str) -> Derivative:
        try:
            return await self._get(path, accept)
        except OriginChanged:  # replaced between lookup and read: the store forgot it, look again once
            return await self._get(path, accept)

    async def _get(self, path: DeliveryPath, accept: str) -> Derivative:
        if path.cloud != self.cloud:
            raise ResourceNotFound(f"Unknown cloud - {path.cloud}")
        output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, accept)
        started = time.perf_counter()
        variant = f"{path.resource_type}/{path.delivery_type}/{path.chain.canonical}/{output.token}"
        try:
            version = await self.origins.locate(path.cloud, path.public_id)
        except ResourceNotFound:
            if path.suspect_error:  # `w_abc/x.jpg`: no folder "w_abc", so the width was meant
                raise InvalidTransformation(path.suspect_error) from None
            raise
        except (OriginUnavailable, OriginTimeout) as exc:
            return await self._stale_or_raise(path, variant, output, exc)
        key = derivative_key(path, output, version)
        hit = await self.cache.get(key)
        self.metrics.observe_stage("cache", time.perf_counter() - started)
        if hit is not None:
            entry, tier = hit
            self.cluster.remember(path.cloud, path.public_id, variant, key, share=False)
            return Derivative(entry, _etag(key), output.negotiated, tier)
        try:
            (entry, source), led = await self._flights.run(
                key, lambda: self.cluster.render_once(key, lambda: self._build(key, path, output, version))
            )
        except OriginChanged:
            raise
        except (OriginUnavailable, OriginTimeout) as exc:
            return await self._stale_or_raise(path, variant, output, exc)
        self.cluster.remember(path.cloud, path.public_id, variant, key, share=source == "render")
        return Derivative(entry, _etag(key), output.negotiated, source if led else "shared")

    async def _stale_or_raise(self, path: DeliveryPath, variant: str, output: OutputSpec, error: EdgeError) -> Derivative:
        """stale-if-error: the origin failed, so serve this variant's last good derivative if a tier has it."""
        stale = await self.cluster.last_good(path.cloud, path.public_id, variant)
        if stale is None:
            raise error
        key, entry = stale
        self.metrics.stale_served.inc()
        return Derivative(entry, _etag(key), output.negotiated, "stale")

    async def invalidate(self, cloud: str, public_id: str) -> None:
        """The original of `public_id` was replaced or deleted: no node serves its old derivatives
        after the message has gone round (milliseconds; the upload and admin APIs call this)."""
        await self.cluster.invalidate(cloud, public_id)

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

    def detail(self) -> dict[str, str]:
        """Optional dependencies' health for /readyz (they never fail readiness: delivery goes on without them)."""
        return self.cluster.health()


def derivative_key(path: DeliveryPath, output: OutputSpec, version: OriginVersion) -> str:
    material = "\0".join(
        (path.cloud, path.resource_type, path.delivery_type, path.public_id, version.token, path.chain.canonical, output.token)
    )
    return hashlib.sha256(material.encode()).hexdigest()[:40]


def _etag(key: str) -> str:
    return f'"{key[:32]}"'
