"""create_app(settings): the only module that names concrete classes. One cleanup_ctx per resource."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from prometheus_client import Counter

from edge.cache.disk import DiskCache
from edge.cache.memory import MemoryCache
from edge.cache.redis import RedisTier
from edge.cache.redis import open_client as open_redis
from edge.cache.tiered import TieredCache
from edge.catalog.store import Catalog, open_catalog
from edge.http import audit as audit_http
from edge.http import search as search_http
from edge.http import draining, routes
from edge.http.video import VIDEO, VIDEO_UPLOADS
from edge.services.video_setup import open_video
from edge.http.conditional import cache_control
from edge.http.keys import (
    ADMIN, CACHE_CONTROL, CHUNKS, CREDENTIALS, DELIVERY, DRAINING, EDITS, LISTS, METRICS, POOL, RAW, RAW_UPLOADS,
    SETTINGS, SURROGATE_HEADERS, UPLOADS, USAGE,
)
from edge.http.middleware import errors_and_metrics
from edge.http.provisioning import ACCOUNTS
from edge.grammar.named import parse_named_settings
from edge.imaging import runtime
from edge.imaging.limits import Limits
from edge.metrics import Metrics
from edge.origins.base import OriginStore
from edge.origins.local import LocalOriginStore
from edge.origins.remote import RemoteFetcher
from edge.origins.s3 import S3OriginStore
from edge.origins.s3 import open_client as open_s3
from edge.services.accounts_live import DedicatedKeyNotifier
from edge.services.accounts_setup import first_admin, open_accounts
from edge.services.admin import Admin, HourlyLimit
from edge.services.assets import AssetStore, WritableOrigins
from edge.services.coordination import Cluster
from edge.services.credentials import Credentials
from edge.services.fetch import RemoteOriginals
from edge.services.lists import TagLists
from edge.services.purge import PurgeHook
from edge.services.raw import RawFiles
from edge.services.delivery import Delivery, DeliveryLimits
from edge.services.named import NamedTransformations
from edge.services.render_pool import RenderPool
from edge.services.search import Search
from edge.services.chunks import ChunkedUploads
from edge.services.edits import AssetEdits
from edge.services.intake import Intake, UploadOptions
from edge.services.mappings import AutoUpload
from edge.services.notices import Notices
from edge.services.outbox import Outbox
from edge.services.usage import UsageMeter
from edge.services.raw_upload import RawUploads
from edge.services.strict import StrictTransformations
from edge.services.upload import Uploads
from edge.services.webhooks import Notifier
from edge.settings import Settings
from edge.signing import Keyring
from edge import console, widgets

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Clients:
    uploads: RemoteFetcher  # upload from a URL
    fetch: RemoteFetcher  # `fetch` delivery
    notifier: Notifier  # the CDN purge hook (and notifications on a node without an outbox)
    record_webhook: Callable[[str], None]  # edge_webhooks_total{result}


# Wiring between the contexts below; the HTTP handlers never see these (edge.http reaches the
# stores and caches only through the services).
ORIGINS = web.AppKey("origins", OriginStore)
CACHE = web.AppKey("cache", TieredCache)
REDIS = web.AppKey("redis", RedisTier)  # only when EDGE_REDIS_URL is set
_CATALOG = web.AppKey("catalog", Catalog)
_NAMED = web.AppKey("named", NamedTransformations)
_STRICT = web.AppKey("strict", StrictTransformations)
_CLIENTS = web.AppKey("clients", _Clients)


def create_app(settings: Settings) -> web.Application:
    # Delivery takes no request body; the upload routes (their own issue) will raise this for themselves.
    app = web.Application(middlewares=[errors_and_metrics, audit_http.api_calls], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[DRAINING] = []
    delivery = settings.delivery
    app[CACHE_CONTROL] = {
        versioned: cache_control(versioned, delivery.max_age_seconds, delivery.versioned_max_age_seconds)
        for versioned in (False, True)
    }
    app[SURROGATE_HEADERS] = tuple(
        (name, " " if name.lower() == "surrogate-key" else ",") for name in settings.cdn.surrogate_key_headers
    )
    # Start-up runs this list top to bottom, each context reading what the earlier ones made;
    # teardown runs it bottom to top, also after a start-up that failed part-way.
    app.cleanup_ctx.extend([
        vips_runtime, origin_store, redis_tier, tiered_cache, render_pool, catalog_and_credentials, accounts_service,
        usage_meter, http_clients, delivery_service, invalidation_listener, api_services, search_service,
        video_service,  # after api_services: it reads UPLOADS
    ])
    app.on_shutdown.append(draining.mark_draining)
    routes.add_api_routes(app)
    widgets.add_routes(app, settings.cloud.name)  # before delivery: /widgets/x/global/all.js matches its pattern
    console.add_routes(app, settings)  # likewise /console/...; absent when EDGE_CONSOLE_ENABLED=false
    routes.add_delivery_routes(app)
    return app


async def vips_runtime(app: web.Application) -> AsyncIterator[None]:
    runtime.configure()
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
    settings = app[SETTINGS]
    pool = RenderPool(settings.render_threads, settings.render.queue, app[METRICS])
    app[POOL] = pool
    yield
    await _in_thread(pool.close)


async def catalog_and_credentials(app: web.Application) -> AsyncIterator[None]:
    """The catalog, and what reads it for every request: named transformations, strict rules, credentials."""
    settings = app[SETTINGS]
    catalog = await open_catalog(settings.database.url.reveal())
    try:
        named = NamedTransformations(catalog)
        strict = StrictTransformations(settings.api.strict_clouds, catalog, named)
        await strict.load()
        app[_CATALOG] = catalog
        app[_NAMED] = named
        app[_STRICT] = strict
        app[CREDENTIALS] = Credentials(
            Keyring.from_urls(url.reveal() for url in (settings.cloud.url, *settings.api.keys)),
            strict,
            {cloud: key.reveal() for cloud, key in settings.auth.token_keys.items()},
        )
        yield
    finally:
        await catalog.close()


async def accounts_service(app: web.Application) -> AsyncIterator[None]:
    """Catalog-held environments and keys join the configured ones in the credentials, live on
    every node (edge/services/accounts_live.py); users, the audit log, the Provisioning API."""
    settings, credentials = app[SETTINGS], app[CREDENTIALS]
    accounts = await open_accounts(
        app[_CATALOG], settings.accounts, credentials.keyring, app.get(REDIS), database_url=settings.database.url.reveal()
    )
    credentials.keyring, credentials.admit = accounts.keyring, accounts.keyring.admit
    accounts.keyring.on_change.append(_serve_clouds(app))
    await first_admin(accounts.users, settings.accounts)
    app[ACCOUNTS] = accounts
    watcher = asyncio.get_running_loop().create_task(accounts.watcher.run())
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


def _serve_clouds(app: web.Application) -> Callable[[frozenset[str]], None]:
    """The clouds delivery serves follow the account's; memos of recent answers go with a change."""

    def follow(clouds: frozenset[str]) -> None:
        if (delivery := app.get(DELIVERY)) is not None:
            delivery.clouds = clouds
            delivery.forget_recent()

    return follow


async def usage_meter(app: web.Application) -> AsyncIterator[None]:
    """Usage counted in memory by every request, added to the catalog in the background (and at shutdown)."""
    async with UsageMeter.for_settings(app[_CATALOG].db, app[SETTINGS].api, app[SETTINGS].limits) as app[USAGE]:
        yield


async def http_clients(app: web.Application) -> AsyncIterator[None]:
    """The outgoing HTTP clients: upload-from-URL, `fetch` delivery, notifications (and the CDN purge)."""
    settings = app[SETTINGS]
    lifted = settings.fetch.lift_guard
    webhooks = Counter("edge_webhooks_total", "Notification attempts by result", ["result"], registry=app[METRICS].registry)
    async with contextlib.AsyncExitStack() as stack:
        clients = _Clients(
            RemoteFetcher(settings.api.fetch_timeout_seconds, settings.api.fetch_allow_private, lifted),
            # `fetch` delivery: its own guarded client (never the upload flag that lifts the guard wholesale).
            RemoteFetcher(settings.fetch.timeout_seconds, False, lifted, settings.fetch.max_redirects),
            # Signs with the cloud's key dedicated_for webhooks when it has one.
            DedicatedKeyNotifier(settings.api.webhook_attempts, settings.api.webhook_timeout_seconds,
                                 record=lambda r: webhooks.labels(r).inc(), keyring=app[ACCOUNTS].keyring),
            lambda r: webhooks.labels(r).inc(),
        )
        for client in (clients.uploads, clients.fetch, clients.notifier):
            await client.open()
            stack.push_async_callback(client.close)
        app[_CLIENTS] = clients
        yield


async def delivery_service(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    limits = DeliveryLimits(
        Limits(settings.limits.max_source_pixels, settings.limits.max_output_dimension,
               settings.transformations.max_frames),
        settings.limits.max_source_bytes,
        settings.render.timeout_seconds,
    )
    allowed_domains = settings.fetch.allowed_domains
    remote = RemoteOriginals(
        app[_CLIENTS].fetch, allowed_domains, settings.fetch.default_max_age_seconds, settings.fetch.cache_bytes
    ) if allowed_domains else None
    catalog = app[_CATALOG]
    cluster = Cluster(app[ORIGINS], app[CACHE], app[METRICS], app.get(REDIS), settings.redis.wait_seconds)
    cluster.on_definitions.append(app[_STRICT].refresh)  # which also drops the named transformations
    app[DELIVERY] = Delivery(
        settings.cloud.name, app[ORIGINS], app[CACHE], app[POOL], limits, app[METRICS],
        clouds=app[CREDENTIALS].keyring.clouds,
        named=parse_named_settings(settings.transformations.named),
        named_lookup=app[_NAMED].lookup,
        asset_metadata=_metadata_lookup(catalog),
        remote=remote,
        recent_seconds=_memo_seconds(settings, app.get(REDIS) is not None),
        cluster=cluster, usage=app[USAGE],
    )
    app[RAW] = RawFiles(app[ORIGINS], settings.limits.max_source_bytes)
    app[LISTS] = TagLists(catalog, settings.lists.clouds, settings.lists.max_age_seconds)
    yield


def _memo_seconds(settings: Settings, shared: bool) -> float:
    """How long delivery remembers a URL's answer: as long as a lookup is trusted, when every
    change reaches this process at once (one process, or Redis's messages). Several processes
    without Redis learn of a change only when their own lookup expires: a memo on top of that
    would double the delay."""
    return _origin_trust_seconds(settings) if shared or settings.processes == 1 else 0.0


def _origin_trust_seconds(settings: Settings) -> float:
    """How long the origin store trusts a lookup: delivery's memo of recent answers trusts them as long."""
    if settings.storage.scheme == "s3":
        return settings.s3.lookup_seconds
    return settings.storage.revalidate_seconds


async def invalidation_listener(app: web.Application) -> AsyncIterator[None]:
    """Applies the invalidation messages of every node (a no-op without Redis)."""
    task = asyncio.get_running_loop().create_task(app[DELIVERY].cluster.listen())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def api_services(app: web.Application) -> AsyncIterator[None]:
    """The Upload and Admin APIs (on a node whose origin store takes writes)."""
    settings = app[SETTINGS]
    origins = app[ORIGINS]
    if not isinstance(origins, WritableOrigins):
        # A delivery-only node (a read-only origin store; the folder and S3 stores both take
        # writes): signed URLs and named transformations still work; the Upload and Admin routes answer 501.
        log.warning("%s takes no uploads: the Upload and Admin APIs are off on this node", type(origins).__name__)
        yield
        return
    store = AssetStore(app[_CATALOG], origins, app[DELIVERY], settings.limits.max_source_bytes)
    app[ACCOUNTS].environments.store = store  # deleting an environment with delete_assets=true
    if recovered := await store.recover():
        log.warning("finished %d upload(s) a stopped process left between original and record", recovered)
    options = UploadOptions(
        max_bytes=settings.api.max_upload_bytes,
        limits=Limits(settings.limits.max_source_pixels, settings.limits.max_output_dimension),
        render_timeout=settings.render.timeout_seconds,
        backup_clouds=settings.api.backup_clouds, keep_metadata_clouds=settings.api.keep_metadata_clouds,
    )
    clients, credentials = app[_CLIENTS], app[CREDENTIALS]
    outbox = Outbox.for_settings(store.catalog.db, credentials.keyring, settings.api, clients.record_webhook)
    notices = Notices(
        app[DELIVERY].forget_recent, PurgeHook(settings.cdn.purge_url, clients.notifier), clients.notifier,
        settings.api.notification_url, outbox,
    )
    intake = Intake(credentials, store.catalog, clients.uploads, options.max_bytes)
    uploads = Uploads(intake, store, app[POOL], notices, options)
    raw_uploads = RawUploads(intake, store, notices)
    registry = app[METRICS].registry
    app[UPLOADS] = uploads
    app[RAW_UPLOADS] = raw_uploads
    app[CHUNKS] = ChunkedUploads(uploads, raw_uploads)
    app[EDITS] = AssetEdits(store, credentials, notices, options.backup)
    app[ADMIN] = Admin(
        store, credentials, app[DELIVERY].cluster.definitions_changed, notices,
        lambda: registry.get_sample_value("edge_renders_total", {"result": "ok"}) or 0.0,
        HourlyLimit(settings.api.admin_calls_per_hour), app[USAGE],
    )
    app[DELIVERY].auto_upload = AutoUpload(store.catalog.db, clients.fetch, credentials.keyring, uploads.store_image,
                                           settings.limits.max_source_bytes).fetch_missing
    async with outbox:  # the durable notifications and eager_async jobs, whichever node wrote them
        try:
            yield
        finally:
            await uploads.drain()


async def search_service(app: web.Application) -> AsyncIterator[None]:
    """The Search API (its routes authorise as the Admin API's; signed search URLs work on every node)."""
    app[search_http.SEARCH] = Search(app[_CATALOG], app[CREDENTIALS])
    yield


def _metadata_lookup(catalog):  # type: ignore[no-untyped-def]
    """For conditions on tags, ctx and md: an asset's (tags, context, metadata) from the catalog (none if unknown)."""

    async def lookup(cloud: str, type_: str, public_id: str) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
        asset = await catalog.get(cloud, type_, public_id)
        return (tuple(asset.tags), dict(asset.context), dict(asset.metadata or {})) if asset is not None else ((), {}, {})

    return lookup


async def _in_thread(fn: Callable[[], None]) -> None:
    await asyncio.get_running_loop().run_in_executor(None, fn)


async def video_service(app: web.Application) -> AsyncIterator[None]:
    """After api_services: reads ORIGINS, CACHE, POOL and (when uploads are on) UPLOADS."""
    video = await open_video(app[SETTINGS], app[ORIGINS], app[CACHE], app[POOL], app.get(UPLOADS), app[METRICS].registry)
    app[VIDEO] = video.delivery
    if video.uploads is not None:
        app[VIDEO_UPLOADS] = video.uploads
    yield
    await video.close()
