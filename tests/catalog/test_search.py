"""Search on both engines (the real SQLite file, the real PostgreSQL in a throwaway schema): every
field and operator against a small known catalog, keyset pages, counts and aggregations."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from edge.catalog.models import Asset
from edge.catalog import search as search_module
from edge.catalog.search import Bucket, RangeAggregation, SearchQuery, SortKey, search
from edge.catalog.store import Catalog
from edge.errors import InvalidParameter
from edge.grammar.search import parse_search
from tests.helpers.catalogs import ENGINES, engine_catalog

NOW = datetime.datetime(2026, 6, 15, 12, 0, 0, tzinfo=datetime.UTC)


def asset(public_id: str, **changes) -> Asset:
    base = Asset(cloud="c", public_id=public_id, asset_id="id-" + public_id, version=1, version_id="v1", format="png",
                 width=100, height=100, bytes=1000, etag="e", created_at="2026-06-01T00:00:00Z")
    return replace(base, **changes)


CATALOG = [
    asset("shoes/red_sneaker", tags=("summer sale", "Shoes"), context={"color": "red", "alt": "A red shoe"},
          format="jpg", bytes=2 * 1024 * 1024, width=1600, height=900, created_at="2026-06-15T06:00:00Z"),
    asset("shoes/blue-boot", tags=("winter",), context={"color": "blue"}, bytes=500_000, width=400, height=800,
          created_at="2026-06-10T00:00:00Z", metadata={"sku": "B-42", "stock": 7}),
    asset("shoes/kids/tiny", tags=("kids", "shoes"), bytes=10_000, width=50, height=50, created_at="2026-01-31T10:00:00Z"),
    asset("hats/Red Cap", tags=("summer",), format="webp", bytes=80_000, width=300, height=300,
          created_at="2025-12-01T00:00:00Z"),
    asset("logo", tags=(), format="svg", bytes=3_000, width=16, height=9, created_at="2024-01-01T00:00:00Z"),
    asset("private/secret", type="private", bytes=1, created_at="2026-06-14T18:00:00Z"),
    asset("shoes/other-cloud", cloud="elsewhere", tags=("summer sale",)),
]


@pytest.fixture(params=ENGINES)
async def catalog(request, tmp_path: Path) -> AsyncIterator[Catalog]:
    async with engine_catalog(request.param, tmp_path) as store:
        for a in CATALOG:
            await store.put(a)
        yield store


async def ids(catalog: Catalog, expression: str, **options) -> list[str]:
    query = SearchQuery("c", parse_search(expression), NOW, max_results=100, sort=(SortKey("public_id", False),), **options)
    return [a.public_id for a in (await search(catalog.db, query)).assets]


CASES = [
    ("", ["hats/Red Cap", "logo", "private/secret", "shoes/blue-boot", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("tags:sale", ["shoes/red_sneaker"]),  # a word of "summer sale"
    ("tags:summer", ["hats/Red Cap", "shoes/red_sneaker"]),
    ("tags:SHOES", ["shoes/kids/tiny", "shoes/red_sneaker"]),  # tokenised: case-insensitive
    ("tags=Shoes", ["shoes/red_sneaker"]),  # exact: case-sensitive
    ('tags="summer sale"', ["shoes/red_sneaker"]),
    ("tags=summer", ["hats/Red Cap"]),
    ("tags:sum*", ["hats/Red Cap", "shoes/red_sneaker"]),
    ("tags:*", ["hats/Red Cap", "shoes/blue-boot", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("NOT tags:*", ["logo", "private/secret"]),
    ("public_id:sneaker", ["shoes/red_sneaker"]),
    ("public_id:shoes/*", ["shoes/blue-boot", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("public_id=logo", ["logo"]),
    ("public_id=Logo", []),
    ("public_id=shoes/b*", ["shoes/blue-boot"]),
    ("public_id:red", ["hats/Red Cap", "shoes/red_sneaker"]),
    (r'public_id="hats/Red Cap"', ["hats/Red Cap"]),
    (r"public_id=hats/Red\ Cap", ["hats/Red Cap"]),
    ("filename:tiny", ["shoes/kids/tiny"]),
    ("filename:kids", []),  # a folder, not the file's name
    ("filename=blue-boot", ["shoes/blue-boot"]),
    ("filename:blu*", ["shoes/blue-boot"]),
    ("folder:shoes", ["shoes/blue-boot", "shoes/red_sneaker"]),
    ("folder=shoes/kids", ["shoes/kids/tiny"]),
    ("folder:shoes/*", ["shoes/blue-boot", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("asset_folder:hats", ["hats/Red Cap"]),
    ('folder=""', ["logo"]),
    ("context.color:red", ["shoes/red_sneaker"]),
    ("context.color=blue", ["shoes/blue-boot"]),
    ("context.alt:shoe", ["shoes/red_sneaker"]),
    ("context.color:*", ["shoes/blue-boot", "shoes/red_sneaker"]),
    ("metadata.sku=B-42", ["shoes/blue-boot"]),
    ("metadata.sku:b", ["shoes/blue-boot"]),
    ("metadata.missing:x", []),
    ("metadata.stock=7", ["shoes/blue-boot"]),  # an integer value: compared as text on both engines
    ("metadata.stock=8", []),
    ("NOT metadata.sku=B-42", ["hats/Red Cap", "logo", "private/secret", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("resource_type:image", ["hats/Red Cap", "logo", "private/secret", "shoes/blue-boot", "shoes/kids/tiny", "shoes/red_sneaker"]),
    ("resource_type:video", []),
    ("type:private", ["private/secret"]),
    ("format:jpg OR format=svg", ["logo", "shoes/red_sneaker"]),
    ("bytes>1mb", ["shoes/red_sneaker"]),
    ("bytes:>=500000", ["shoes/blue-boot", "shoes/red_sneaker"]),
    ("bytes:[10000 TO 80000]", ["hats/Red Cap", "shoes/kids/tiny"]),
    ("bytes:{10000 TO 80000]", ["hats/Red Cap"]),
    ("bytes:[* TO 3kb}", ["logo", "private/secret"]),
    ("bytes<1", []),
    ("width>=400 AND height<900", ["shoes/blue-boot"]),
    ("width=50", ["shoes/kids/tiny"]),
    ("aspect_ratio>1.5", ["logo", "shoes/red_sneaker"]),
    ('aspect_ratio="16:9"', ["logo", "shoes/red_sneaker"]),
    ("aspect_ratio<1", ["shoes/blue-boot"]),
    ("pixels>1000000", ["shoes/red_sneaker"]),
    ("pixels:[2500 TO 2500]", ["shoes/kids/tiny"]),
    ("uploaded_at>1d", ["private/secret", "shoes/red_sneaker"]),
    ("created_at>1w", ["private/secret", "shoes/blue-boot", "shoes/red_sneaker"]),
    ("created_at>1y AND created_at<1m", ["hats/Red Cap", "shoes/kids/tiny"]),
    ("created_at:2026-01-31", ["shoes/kids/tiny"]),
    ("created_at<2025-01-01", ["logo"]),
    ("created_at:[2025-12-01 TO 2026-02-01]", ["hats/Red Cap", "shoes/kids/tiny"]),
    ("created_at>=2026-06-15T06:00:00Z", ["shoes/red_sneaker"]),
    ("red", ["hats/Red Cap", "shoes/red_sneaker"]),  # public_id, tags, or a context value
    ("blue", ["shoes/blue-boot"]),
    ("winter", ["shoes/blue-boot"]),
    ("sale AND NOT red", []),
    ("(tags:summer OR tags:winter) AND bytes<1mb", ["hats/Red Cap", "shoes/blue-boot"]),
    ("shoes -nothing", []),  # implicit AND; `-nothing` is a plain word here
    ("tags:shoes tags:kids", ["shoes/kids/tiny"]),
    ("boot || cap", ["hats/Red Cap", "shoes/blue-boot"]),
    ("x' OR 1=1 --", []),  # values are arguments, never SQL
    ("public_id=\"'; DROP TABLE assets; --\"", []),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
async def test_expression(catalog: Catalog, expression: str, expected: list[str]):
    assert await ids(catalog, expression) == expected
    assert len(await ids(catalog, "")) == 6  # the table is intact


@pytest.fixture(params=["sparse", "dense"])
def page_plan(request, monkeypatch):
    """Both ways of finding a page: from the filter's index then sorted, or walking the order's index."""
    if request.param == "dense":
        monkeypatch.setattr(search_module, "SPARSE_MATCHES", 0)
    return request.param


async def test_pages_are_a_stable_keyset_under_inserts(catalog: Catalog, page_plan):
    for i in range(30):
        await catalog.put(asset(f"page/{i:02d}", bytes=i % 4, created_at=f"2026-03-01T00:00:{i:02d}Z"))
    sort = (SortKey("bytes", True), SortKey("public_id", False))
    tree = parse_search("folder:page")
    seen, cursor, inserted = [], None, 0
    while True:
        page = await search(catalog.db, SearchQuery("c", tree, NOW, sort=sort, max_results=7, cursor=cursor))
        assert page.total_count == 30 + inserted
        seen += [a.public_id for a in page.assets]
        # Concurrent inserts, before and after the cursor, neither repeat nor hide what was there.
        await catalog.put(asset(f"page/new-{inserted}", bytes=9 if inserted % 2 else 0))
        inserted += 1
        if not (cursor := page.next_cursor):
            break
    original = sorted((f"page/{i:02d}" for i in range(30)), key=lambda p: (-(int(p[-2:]) % 4), p))
    assert [p for p in seen if not p.startswith("page/new-")] == original
    assert len(seen) == len(set(seen))
    with pytest.raises(InvalidParameter):
        await search(catalog.db, SearchQuery("c", tree, NOW, sort=(SortKey("created_at"),), cursor=page_cursor(sort)))
    with pytest.raises(InvalidParameter):
        await search(catalog.db, SearchQuery("c", tree, NOW, cursor="garbage"))


def page_cursor(sort) -> str:
    import base64
    import json

    tag = ",".join(f"{k.field}:{'d' if k.descending else 'a'}" for k in sort)
    return base64.urlsafe_b64encode(json.dumps([tag, [1, "x", "y"]]).encode()).decode()


async def test_default_order_is_newest_first(catalog: Catalog, page_plan):
    page = await search(catalog.db, SearchQuery("c", parse_search("type:upload"), NOW, max_results=2))
    assert [a.public_id for a in page.assets] == ["shoes/red_sneaker", "shoes/blue-boot"]
    assert page.total_count == 5 and page.next_cursor


async def test_count_and_aggregations_in_one_pass(catalog: Catalog):
    ranges = (
        RangeAggregation("bytes", (Bucket("small", None, 50_000), Bucket("big", 50_000, None))),
        RangeAggregation("image_pixels", (Bucket("<1MP", None, 1_000_000), Bucket(">=1MP", 1_000_000, None))),
    )
    page = await search(catalog.db, SearchQuery(
        "c", parse_search(""), NOW, max_results=1, facets=("format", "resource_type", "type"), ranges=ranges,
    ))
    assert page.total_count == 6 and len(page.assets) == 1
    assert page.aggregations == {
        "format": {"png": 3, "jpg": 1, "svg": 1, "webp": 1},
        "resource_type": {"image": 6},
        "type": {"upload": 5, "private": 1},
        "bytes": {"small": 3, "big": 3},
        "image_pixels": {"<1MP": 5, ">=1MP": 1},
    }
