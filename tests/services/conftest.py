"""The services wired by hand, as app.py does, without HTTP: a real SQLite catalog, the folder
store, a real render pool and memory cache. Each test module calls the services directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.cache.memory import MemoryCache
from edge.cache.tiered import TieredCache
from edge.catalog.store import Catalog, open_catalog
from edge.imaging.limits import Limits
from edge.metrics import Metrics
from edge.origins.local import LocalOriginStore
from edge.origins.remote import RemoteFetcher
from edge.services.admin import Admin
from edge.services.assets import AssetStore
from edge.services.chunks import ChunkedUploads
from edge.services.credentials import Credentials
from edge.services.delivery import Delivery, DeliveryLimits
from edge.services.edits import AssetEdits
from edge.services.intake import Intake, UploadOptions
from edge.services.named import NamedTransformations
from edge.services.notices import Notices
from edge.services.purge import PurgeHook
from edge.services.raw_upload import RawUploads
from edge.services.render_pool import RenderPool
from edge.services.strict import StrictTransformations
from edge.services.upload import Uploads
from edge.services.webhooks import Notifier
from edge.signing import Keyring
from tests.helpers.api import SECRET



@dataclass
class Services:
    root: Path
    catalog: Catalog
    origins: LocalOriginStore
    pool: RenderPool
    delivery: Delivery
    store: AssetStore
    credentials: Credentials
    strict: StrictTransformations
    notifier: Notifier
    uploads: Uploads
    raw: RawUploads
    chunks: ChunkedUploads
    edits: AssetEdits
    admin: Admin


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    root = tmp_path / "storage"
    root.mkdir()
    metrics = Metrics()
    catalog = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
    origins = LocalOriginStore(root, revalidate_seconds=0)
    pool = RenderPool(workers=2, queue_limit=8, metrics=metrics)
    cache = TieredCache(MemoryCache(50_000_000), None, 10_000_000)
    named = NamedTransformations(catalog)
    strict = StrictTransformations(frozenset({"demo"}), catalog, named)
    credentials = Credentials(Keyring.from_urls([f"cloudinary://edge:{SECRET}@demo"]), strict)
    delivery = Delivery("demo", origins, cache, pool, DeliveryLimits(Limits(), 50_000_000, 10.0), metrics,
                        clouds=credentials.keyring.clouds, named_lookup=named.lookup)
    store = AssetStore(catalog, origins, delivery, 50_000_000)
    notifier = Notifier(attempts=1, timeout=1.0)
    fetcher = RemoteFetcher(timeout=5.0)
    await notifier.open()
    await fetcher.open()
    options = UploadOptions(max_bytes=20_000_000, limits=Limits(), render_timeout=10.0)
    notices = Notices(delivery.forget_recent, PurgeHook("", notifier), notifier)
    intake = Intake(credentials, catalog, fetcher, options.max_bytes)
    uploads = Uploads(intake, store, pool, notices, options)
    raw = RawUploads(intake, store, notices)
    try:
        yield Services(
            root, catalog, origins, pool, delivery, store, credentials, strict, notifier, uploads, raw,
            ChunkedUploads(uploads, raw), AssetEdits(store, credentials, notices, options.backup),
            Admin(store, credentials, strict.refresh, notices),
        )
        await uploads.drain()
        await cache.drain()
    finally:
        await notifier.close()
        await fetcher.close()
        await catalog.close()
        pool.close()
