"""create_app(settings): the only module that names concrete classes. One cleanup_ctx per resource."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from edge.cache.disk import DiskCache
from edge.cache.memory import MemoryCache
from edge.cache.redis import RedisTier
from edge.cache.redis import open_client as open_redis
from edge.cache.tiered import TieredCache
from edge.http import delivery as delivery_http
from edge.http import ops
from edge.http.keys import CACHE, DELIVERY, DRAINING, METRICS, ORIGINS, POOL, REDIS, SETTINGS
from edge.http.logging import request_ids
from edge.http.middleware import errors_and_metrics
from edge.imaging import runtime
from edge.imaging.limits import Limits
from edge.metrics import Metrics
from edge.origins.local import LocalOriginStore
from edge.origins.s3 import S3OriginStore
from edge.origins.s3 import open_client as open_s3
from edge.services.coordination import Cluster
from edge.services.delivery import Delivery, DeliveryLimits
from edge.services.render_pool import RenderPool
from edge.settings import Settings


def create_app(settings: Settings) -> web.Application:
    # Delivery takes no request body; the upload routes (their own issue) will raise this for themselves.
    app = web.Application(middlewares=[request_ids, errors_and_metrics], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[DRAINING] = []
    app.cleanup_ctx.extend(
        [vips_runtime, origin_store, redis_tier, tiered_cache, render_pool, delivery_service, invalidation_listener]
    )
    app.on_shutdown.append(_mark_draining)
    app.router.add_get("/healthz", ops.healthz, name="healthz")
    app.router.add_get("/readyz", ops.readyz, name="readyz")
    app.router.add_get("/metrics", ops.metrics, name="metrics")
    app.router.add_get(r"/{cloud}/{resource_type}/{type}/{rest:.+}", delivery_http.deliver, name="delivery")
    return app


async def _mark_draining(app: web.Application) -> None:
    app[DRAINING].append(True)


def drain_on_sigterm(app: web.Application) -> None:
    """For `edge serve`: SIGTERM makes /readyz answer 503 at once, keeps the listener open for
    EDGE_SERVER_DRAIN_SECONDS so load balancers stop sending, then starts aiohttp's graceful
    shutdown (listener closed, in-flight requests finish within the grace period). aiohttp's
    own handler would close the listener first, so a load balancer would never see the 503."""

    async def install(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, _begin_drain, app, loop)

    app.on_startup.append(install)


def _begin_drain(app: web.Application, loop: asyncio.AbstractEventLoop) -> None:
    if app[DRAINING]:
        return
    app[DRAINING].append(True)
    app[METRICS].draining.set(1)
    loop.call_later(app[SETTINGS].server.drain_seconds, _graceful_exit)


def _graceful_exit() -> None:
    raise web.GracefulExit()  # a SystemExit: it leaves the event loop, and run_app shuts down gracefully


async def vips_runtime(app: web.Application) -> AsyncIterator[None]:
    runtime.configure()
    metrics = app[METRICS]
    metrics.vips_memory.set_function(lambda: runtime.tracked_memory()[0])
    metrics.vips_memory_highwater.set_function(lambda: runtime.tracked_memory()[1])
    yield


async def origin_store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    storage = settings.storage
    if storage.scheme == "s3":
        async with open_s3(settings.s3) as client:
            app[ORIGINS] = S3OriginStore(client, storage.bucket, storage.prefix, settings.s3, app[METRICS])
            yield
        return
    storage.folder.mkdir(parents=True, exist_ok=True)
    app[ORIGINS] = LocalOriginStore(storage.folder, storage.revalidate_seconds)
    yield


async def redis_tier(app: web.Application) -> AsyncIterator[None]:
    """Optional. Never fails start-up: a Redis that is down is marked unhealthy and retried."""
    settings = app[SETTINGS].redis
    if not settings.url.reveal():
        yield
        return
    async with open_redis(settings) as client:
        tier = RedisTier(client, settings, app[METRICS])
        await tier.ping()
        app[REDIS] = tier
        watcher = asyncio.get_running_loop().create_task(tier.watch())
        yield
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def tiered_cache(app: web.Application) -> AsyncIterator[None]:
    settings, metrics = app[SETTINGS].cache, app[METRICS]
    memory = MemoryCache(settings.memory_bytes) if settings.memory_bytes else None
    disk = None
    if settings.dir and settings.disk_bytes:
        disk = DiskCache(Path(settings.dir).resolve(), settings.disk_bytes)
        await _in_thread(disk.open_sync)
    cache = TieredCache(
        memory, disk, settings.max_entry_bytes, record=metrics.cache_result, shared=app.get(REDIS),
        timing=metrics.cache_timing, failed=metrics.cache_failed,
    )
    metrics.cache_bytes.labels("memory").set_function(lambda: memory.bytes if memory else 0)
    metrics.cache_bytes.labels("disk").set_function(lambda: disk.bytes if disk else 0)
    app[CACHE] = cache
    yield
    await cache.drain()


async def render_pool(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].render
    pool = RenderPool(settings.workers, settings.queue, app[METRICS])
    app[POOL] = pool
    yield
    await _in_thread(pool.close)


async def delivery_service(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    limits = DeliveryLimits(
        Limits(settings.limits.max_source_pixels, settings.limits.max_output_dimension),
        settings.limits.max_source_bytes,
        settings.render.timeout_seconds,
    )
    cluster = Cluster(app[ORIGINS], app[CACHE], app[METRICS], app.get(REDIS), settings.redis.wait_seconds)
    app[DELIVERY] = Delivery(settings.cloud.name, app[ORIGINS], app[CACHE], app[POOL], limits, app[METRICS], cluster)
    yield


async def invalidation_listener(app: web.Application) -> AsyncIterator[None]:
    """Applies the invalidation messages of every node (a no-op without Redis)."""
    task = asyncio.get_running_loop().create_task(app[DELIVERY].cluster.listen())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _in_thread(fn: Callable[[], None]) -> None:
    await asyncio.get_running_loop().run_in_executor(None, fn)
