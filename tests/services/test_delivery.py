"""Delivery, called directly: plain URLs answer the stored bytes, transformed ones render."""

from __future__ import annotations

import pytest

from edge.errors import InvalidImage, ResourceNotFound
from edge.grammar.delivery_path import parse_delivery_path
from tests.helpers.images import decode, geometry_jpeg, geometry_png


def _put(services, name: str, data: bytes) -> None:
    path = services.root / "demo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def test_a_plain_url_in_the_original_format_answers_the_stored_bytes(services):
    data = geometry_jpeg()
    _put(services, "plain.jpg", data)
    for url in ("/demo/image/upload/plain.jpg", "/demo/image/upload/v1/plain.jpeg", "/demo/image/upload/plain"):
        derivative = await services.delivery.get(parse_delivery_path(url), "")
        assert derivative.entry.data == data and derivative.entry.media_type == "image/jpeg", url
    converted = await services.delivery.get(parse_delivery_path("/demo/image/upload/plain.png"), "")
    assert converted.entry.media_type == "image/png" and decode(converted.entry.data).width == 400
    scaled = await services.delivery.get(parse_delivery_path("/demo/image/upload/c_scale,w_40/plain.jpg"), "")
    assert scaled.entry.data != data and decode(scaled.entry.data).width == 40


async def test_bytes_that_are_not_what_their_name_claims_are_not_passed_through(services):
    _put(services, "liar.jpg", geometry_png())  # PNG bytes under .jpg: re-encoded as a JPEG
    derivative = await services.delivery.get(parse_delivery_path("/demo/image/upload/liar.jpg"), "")
    assert derivative.entry.media_type == "image/jpeg" and derivative.entry.data[:2] == b"\xff\xd8"
    _put(services, "junk.png", b"not an image" * 10)
    with pytest.raises(InvalidImage):
        await services.delivery.get(parse_delivery_path("/demo/image/upload/junk.png"), "")


async def test_unknown_assets_and_clouds_are_404(services):
    with pytest.raises(ResourceNotFound):
        await services.delivery.get(parse_delivery_path("/demo/image/upload/missing.jpg"), "")
    with pytest.raises(ResourceNotFound, match="Unknown cloud"):
        await services.delivery.get(parse_delivery_path("/other/image/upload/x.jpg"), "")
