"""Uploads, called directly: what is stored, what the answer says, and the bounded render queue."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest

from edge.errors import InvalidParameter, Overloaded
from edge.grammar.delivery_path import parse_delivery_path
from edge.services.intake import FileInput
from tests.helpers.images import decode, geometry_png


def strip_png(width: int) -> bytes:
    import pyvips

    return (pyvips.Image.black(width, 1, bands=3) + [200, 30, 30]).cast("uchar").pngsave_buffer()
from tests.helpers.api import signed
from tests.helpers.api import BASE


async def test_an_upload_is_stored_catalogued_and_answered_with_its_md5(services):
    data = geometry_png()
    body = await services.uploads.upload("demo", signed({"public_id": "u/one"}), FileInput(data=data, filename="g.png"), BASE)
    assert (body["public_id"], body["format"], body["width"], body["height"]) == ("u/one", "png", 400, 300)
    assert body["etag"] == hashlib.md5(data).hexdigest() and body["bytes"] == len(data)
    assert (services.root / "demo" / "u" / "one.png").read_bytes() == data
    assert (await services.catalog.get("demo", "upload", "u/one")).version == body["version"]


async def test_eager_entries_carry_their_dimensions_bytes_and_format(services):
    """Bug: eager entries lacked width and height (and bytes, format), unlike the SDK's documented shape."""
    body = await services.uploads.upload(
        "demo", signed({"public_id": "eager/one", "eager": "c_scale,w_100/jpg|c_fill,h_30,w_40"}),
        FileInput(data=geometry_png()), BASE,
    )
    first, second = body["eager"]
    assert set(first) == {"transformation", "width", "height", "bytes", "format", "url", "secure_url"}
    assert (first["transformation"], first["width"], first["height"], first["format"]) == ("c_scale,w_100/jpg", 100, 75, "jpg")
    assert (second["width"], second["height"], second["format"]) == (40, 30, "png")
    for entry in (first, second):
        path = entry["url"].removeprefix(BASE)
        derivative = await services.delivery.get(parse_delivery_path(path), "")
        assert derivative.entry.size == entry["bytes"]
        assert (decode(derivative.entry.data).width, decode(derivative.entry.data).height) == (entry["width"], entry["height"])


async def test_an_unsupported_type_is_refused_before_anything_is_stored(services):
    with pytest.raises(InvalidParameter, match="Unsupported type - fetch"):
        await services.uploads.upload("demo", signed({"public_id": "t", "type": "fetch"}), FileInput(data=geometry_png()), BASE)
    assert not (services.root / "demo").exists() or not list((services.root / "demo").iterdir())


async def test_the_upload_probe_waits_in_the_bounded_render_queue(services):
    """Bug: the probe called the pool's `run` without a slot, so uploads bypassed the queue that answers 429."""
    pool = services.pool
    blockers = [asyncio.create_task(pool.run(time.sleep, 0.3, timeout=5)) for _ in range(pool.workers + pool.queue_limit)]
    await asyncio.sleep(0.05)
    assert pool.waiting == pool.queue_limit
    with pytest.raises(Overloaded):
        await services.uploads.upload("demo", signed({"public_id": "busy"}), FileInput(data=geometry_png()), BASE)
    await asyncio.gather(*blockers)
    body = await services.uploads.upload("demo", signed({"public_id": "busy"}), FileInput(data=geometry_png()), BASE)
    assert body["public_id"] == "busy"


async def test_an_accepted_strip_wider_than_the_output_limit_is_delivered_as_stored(services):
    """Bug: a 10000x1 upload passed, then its plain URL answered 400 (over the output dimension limit)."""
    data = strip_png(10_000)
    body = await services.uploads.upload("demo", signed({"public_id": "strip"}), FileInput(data=data), BASE)
    assert (body["width"], body["height"]) == (10_000, 1)
    derivative = await services.delivery.get(parse_delivery_path(body["url"].removeprefix(BASE)), "")
    assert derivative.entry.data == data and derivative.entry.media_type == "image/png"
