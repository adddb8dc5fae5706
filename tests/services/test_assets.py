"""Original and record stay in step: a failure between them leaves nothing half-visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.catalog.models import Asset
from edge.errors import ResourceNotFound
from edge.app import ORIGINS
from edge.http.keys import UPLOADS
from edge.services.assets import AssetStore, Stored, parse_context
from tests.helpers.catalogs import CrashingCatalog
from tests.helpers.images import geometry_png


def _asset() -> Asset:
    return Asset(cloud="demo", public_id="crash/one", asset_id="a1", version=5, version_id="v", format="png",
                 width=400, height=300, bytes=10, etag="e", created_at="2026-01-01T00:00:00Z")


async def test_a_failed_record_write_leaves_no_visible_original(client, storage: Path):
    app = client.server.app
    real = app[UPLOADS].store
    crashing = AssetStore(CrashingCatalog(real.catalog.db), app[ORIGINS], real.delivery, real.max_bytes)
    with pytest.raises(RuntimeError):
        await crashing.save(_asset(), Stored(geometry_png(), "png", 400, 300), previous=None, backup=False)
    with pytest.raises(ResourceNotFound):
        await app[ORIGINS].locate("demo", "crash/one")
    assert list((storage / "demo" / "crash").iterdir()) == []  # no staged file left behind
    assert await real.catalog.get("demo", "upload", "crash/one") is None
    response = await client.get("/demo/image/upload/crash/one.png")
    assert response.status == 404
    await real.save(_asset(), Stored(geometry_png(), "png", 400, 300), previous=None, backup=False)
    assert (await client.get("/demo/image/upload/crash/one.png")).status == 200


def test_context_parsing_matches_the_sdk_encoding():
    import cloudinary.utils

    context = {"alt": "a=b|c", "plain": "x", "list": ["1", "2"]}
    decoded = parse_context(cloudinary.utils.encode_context(context))
    assert decoded == {"alt": "a=b|c", "plain": "x", "list": '["1","2"]'}
    assert parse_context("") == {} and parse_context({"a": 1}) == {"a": "1"}


async def _crash_after(store: AssetStore, publish: bool) -> None:
    """Do what save() does up to the point a killed process would stop: staged, journalled,
    published or not, and never committed."""
    import dataclasses

    asset = _asset()
    staged = await store.origins.stage("demo", asset.public_id, "png", geometry_png(), None)
    await store.catalog.begin_write("w1", dataclasses.asdict(staged), asset, "2026-01-01T00:00:00Z")
    if publish:
        await store.origins.publish(staged)


async def test_a_process_killed_after_publishing_is_finished_at_start_up(client, storage: Path):
    store = client.server.app[UPLOADS].store
    await _crash_after(store, publish=True)
    assert await store.catalog.get("demo", "upload", "crash/one") is None  # half-visible until recovery
    assert await store.recover() == 1
    record = await store.catalog.get("demo", "upload", "crash/one")
    assert record is not None and record.version == 5
    assert await store.catalog.pending_writes() == []
    assert (await client.get("/demo/image/upload/crash/one.png")).status == 200


async def test_a_process_killed_before_publishing_is_undone_at_start_up(client, storage: Path):
    store = client.server.app[UPLOADS].store
    await _crash_after(store, publish=False)
    assert await store.recover() == 0
    assert await store.catalog.get("demo", "upload", "crash/one") is None
    assert await store.catalog.pending_writes() == []
    assert list((storage / "demo" / "crash").iterdir()) == []  # the staged file is gone too
    assert (await client.get("/demo/image/upload/crash/one.png")).status == 404


async def test_a_normal_save_leaves_no_journal_row(client):
    store = client.server.app[UPLOADS].store
    await store.save(_asset(), Stored(geometry_png(), "png", 400, 300), previous=None, backup=False)
    assert await store.catalog.pending_writes() == []


async def test_a_write_in_flight_in_another_process_is_left_to_it(client, storage: Path):
    """Bug: a worker starting while another one was uploading took the other's staged file
    (recovery saw its pending write), and that upload answered 500."""
    import dataclasses

    from edge.services.assets import now_iso

    store = client.server.app[UPLOADS].store
    asset = _asset()
    staged = await store.origins.stage("demo", asset.public_id, "png", geometry_png(), None)
    await store.catalog.begin_write("live", dataclasses.asdict(staged), asset, now_iso())
    assert await store.recover() == 0
    assert await store.origins.is_staged(staged)  # still the live process's to publish
    await store.origins.publish(staged)
    await store.catalog.end_write("live")
    assert await store.catalog.pending_writes() == []
