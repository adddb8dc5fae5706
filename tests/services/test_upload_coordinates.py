"""custom_coordinates on upload (the Upload Widget's cropping sends them, signed or not):
stored on the asset, answered as `coordinates: {"custom": [[x, y, w, h]]}` by upload and resource."""

from __future__ import annotations

import cloudinary.utils
import pytest

from edge.errors import InvalidParameter
from edge.services.intake import FileInput, parse_coordinates
from tests.helpers.api import BASE, signed
from tests.helpers.images import geometry_png


async def test_signed_upload_stores_and_answers_custom_coordinates(services):
    encoded = cloudinary.utils.encode_double_array([[10, 20, 100, 50], [0, 0, 400, 300]])  # what the SDK sends
    body = await services.uploads.upload(
        "demo", signed({"public_id": "c/one", "custom_coordinates": encoded}), FileInput(data=geometry_png()), BASE)
    assert body["coordinates"] == {"custom": [[10, 20, 100, 50], [0, 0, 400, 300]]}
    stored = await services.catalog.get("demo", "upload", "c/one")
    assert stored.coordinates == ((10, 20, 100, 50), (0, 0, 400, 300))
    resource = await services.admin.resource("demo", "upload", "c/one", {}, BASE, "secret")
    assert resource["coordinates"] == {"custom": [[10, 20, 100, 50], [0, 0, 400, 300]]}


async def test_an_unsigned_upload_keeps_the_widgets_coordinates(services):
    await services.admin.create_preset("demo", {"name": "widget", "unsigned": "true"})
    body = await services.uploads.upload(
        "demo", {"upload_preset": "widget", "public_id": "c/unsigned", "custom_coordinates": "5,6,70,80"},
        FileInput(data=geometry_png()), BASE)
    assert body["coordinates"] == {"custom": [[5, 6, 70, 80]]}
    assert (await services.catalog.get("demo", "upload", "c/unsigned")).coordinates == ((5, 6, 70, 80),)


async def test_an_upload_without_coordinates_answers_none_and_an_overwrite_replaces_them(services):
    await services.uploads.upload("demo", signed({"public_id": "c/two", "custom_coordinates": "1,2,3,4"}),
                                  FileInput(data=geometry_png()), BASE)
    body = await services.uploads.upload("demo", signed({"public_id": "c/two"}), FileInput(data=geometry_png()), BASE)
    assert "coordinates" not in body
    assert (await services.catalog.get("demo", "upload", "c/two")).coordinates == ()


@pytest.mark.parametrize("value, message", [
    ("1,2,3", "Invalid custom coordinates - 1,2,3"),
    ("a,b,c,d", "Invalid custom coordinates - a,b,c,d"),
    ("0,0,0,10", "outside the 400x300 image"),
    ("390,0,20,10", "outside the 400x300 image"),
    ("-1,0,10,10", "outside the 400x300 image"),
], ids=lambda v: str(v))
async def test_bad_coordinates_are_a_400_before_anything_is_stored(services, value, message):
    with pytest.raises(InvalidParameter, match=message):
        await services.uploads.upload("demo", signed({"public_id": "c/bad", "custom_coordinates": value}),
                                      FileInput(data=geometry_png()), BASE)
    assert await services.catalog.get("demo", "upload", "c/bad") is None


def test_parse_coordinates_takes_the_sdks_shapes():
    assert parse_coordinates("", 10, 10) == ()
    assert parse_coordinates([1, 2, 3, 4], 10, 10) == ((1, 2, 3, 4),)
    assert parse_coordinates([[1, 2, 3, 4], [0, 0, 5, 5]], 10, 10) == ((1, 2, 3, 4), (0, 0, 5, 5))
    assert parse_coordinates("1.0, 2, 3,4", 10, 10) == ((1, 2, 3, 4),)
