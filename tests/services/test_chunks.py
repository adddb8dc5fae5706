"""Chunked uploads, called directly: the chunk that completes the file uploads it."""

from __future__ import annotations

import pytest

from edge.errors import InvalidParameter
from edge.services.intake import FileInput
from tests.helpers.images import geometry_png
from tests.helpers.api import signed
from tests.helpers.api import BASE


async def test_chunks_in_any_order_make_one_upload(services):
    data = geometry_png()
    half = len(data) // 2
    params = signed({"public_id": "big/one"})
    total = len(data)
    second = await services.chunks.upload_part("demo", params, FileInput(data=data[half:]), BASE, "u1",
                                               f"bytes {half}-{total - 1}/{total}")
    assert second["done"] is False
    body = await services.chunks.upload_part("demo", params, FileInput(data=data[:half]), BASE, "u1", f"bytes 0-{half - 1}/{total}")
    assert (body["public_id"], body["bytes"]) == ("big/one", total)
    assert (services.root / "demo" / "big" / "one.png").read_bytes() == data
    with pytest.raises(InvalidParameter, match="Invalid chunk"):
        await services.chunks.upload_part("demo", params, FileInput(data=b"abc"), BASE, "u2", "bytes 0-9/10")
