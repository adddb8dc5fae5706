"""The catalog on both engines: the real SQLite file and the real PostgreSQL (a throwaway schema)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from edge.catalog.models import Asset, Derived, NamedTransformation, UploadPreset
from edge.catalog.store import MIGRATIONS, Catalog
from edge.errors import InvalidParameter
from tests.helpers.catalogs import ENGINES, engine_catalog


@pytest.fixture(params=ENGINES)
async def catalog(request, tmp_path: Path) -> AsyncIterator[Catalog]:
    async with engine_catalog(request.param, tmp_path) as store:
        yield store


def asset(public_id: str, **changes) -> Asset:
    base = Asset(cloud="c", public_id=public_id, asset_id="id-" + public_id, version=1, version_id="v1", format="png",
                 width=10, height=20, bytes=300, etag="e", created_at="2026-01-01T00:00:00Z")
    return replace(base, **changes)


async def test_migrations_are_idempotent(catalog: Catalog):
    assert await catalog.migrate() == len(MIGRATIONS)
    assert await catalog.migrate() == len(MIGRATIONS)


async def test_put_get_replace_delete(catalog: Catalog):
    await catalog.put(asset("a/b", tags=("x", "y"), context={"k": "v=1|2"}, metadata={"m": "n"}))
    found = await catalog.get("c", "upload", "a/b")
    assert found is not None and found.tags == ("x", "y") and found.context == {"k": "v=1|2"} and found.folder == "a"
    await catalog.put(replace(found, version=2, tags=("z",)))
    assert (await catalog.get("c", "upload", "a/b")).version == 2
    assert [a.public_id for a in (await catalog.list("c", tag="z")).assets] == ["a/b"]
    assert (await catalog.list("c", tag="x")).assets == []
    assert await catalog.delete("c", "upload", "a/b") and await catalog.get("c", "upload", "a/b") is None
    assert not await catalog.delete("c", "upload", "a/b")


async def test_listing_pages_prefix_and_context(catalog: Catalog):
    for i in range(25):
        await catalog.put(asset(f"p/{i:02d}", context={"even": "yes"} if i % 2 == 0 else {}))
    await catalog.put(asset("P/upper"))  # a prefix match is case-sensitive
    await catalog.put(asset("other", cloud="elsewhere"))
    seen, cursor = [], None
    while True:
        page = await catalog.list("c", "upload", prefix="p/", max_results=10, cursor=cursor)
        seen += [a.public_id for a in page.assets]
        if not (cursor := page.next_cursor):
            break
    assert seen == [f"p/{i:02d}" for i in range(25)]
    down = await catalog.list("c", prefix="p/", max_results=3, descending=True)
    assert [a.public_id for a in down.assets] == ["p/24", "p/23", "p/22"]
    evens = await catalog.list("c", context_key="even", context_value="yes", max_results=100)
    assert len(evens.assets) == 13
    with pytest.raises(InvalidParameter):
        await catalog.list("c", cursor="not-a-cursor")
    assert await catalog.usage("c") == (26, 26 * 300, 0)
    assert await catalog.folders("c") == ["P", "p"]


async def test_derived_named_presets_and_folders(catalog: Catalog):
    await catalog.put(asset("d"))
    await catalog.add_derived("c", "upload", "d", Derived("c_scale,w_10", "webp", 99, "t"))
    assert [d.bytes for d in await catalog.derived("c", "upload", "d")] == [99]
    assert await catalog.eager_transformations("c") == {"c_scale,w_10"}
    await catalog.clear_derived("c", "upload", "d", ["c_scale,w_10"])
    assert await catalog.derived("c", "upload", "d") == []

    assert await catalog.put_named_transformation("c", NamedTransformation("thumb", "w_10", False, "t"), create=True)
    assert not await catalog.put_named_transformation("c", NamedTransformation("thumb", "w_20", False, "t"), create=True)
    assert await catalog.put_named_transformation("c", NamedTransformation("thumb", "w_30", True), create=False)
    assert [(n.definition, n.allowed_for_strict) for n in await catalog.named_transformations("c")] == [("w_30", True)]
    assert await catalog.delete_named_transformation("c", "thumb")

    assert await catalog.put_preset("c", UploadPreset("p", True, {"folder": "f"}), create=True)
    assert (await catalog.preset("c", "p")).settings == {"folder": "f"}
    assert await catalog.delete_preset("c", "p") and await catalog.preset("c", "p") is None

    await catalog.create_folder("c", "empty/inner")
    assert await catalog.folders("c", "empty") == ["empty/inner"]
    assert await catalog.delete_folder("c", "empty")
    await catalog.put(asset("full/x"))
    with pytest.raises(InvalidParameter):
        await catalog.delete_folder("c", "full")


async def test_transaction_rolls_back(catalog: Catalog):
    with pytest.raises(RuntimeError):
        async with catalog.db.transaction() as tx:
            await catalog.put(asset("gone"), tx)
            raise RuntimeError("crash between statements")
    assert await catalog.get("c", "upload", "gone") is None
