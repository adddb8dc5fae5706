"""rename_folder through the SDK against a live node, with the SQLite catalog, PostgreSQL, and
originals in S3 (moto): every asset moves, old URLs stop serving, new ones serve the same pixels."""

from __future__ import annotations

from collections.abc import Iterator

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.live import live_node
from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "folders", "123123123123123", "folder-secret"


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "s3"])
def live(request, tmp_path_factory) -> Iterator[EdgeNode]:
    with live_node(request, tmp_path_factory, "folders", f"cloudinary://{KEY}:{SECRET}@{CLOUD}") as node:
        yield node


@pytest.fixture
def sdk(live) -> Iterator[EdgeNode]:
    with sdk_configured(live, CLOUD, KEY, SECRET) as node:
        yield node


def test_rename_folder_moves_every_asset_and_invalidates_its_derivatives(sdk):
    base = f"{sdk.base}/{CLOUD}/image/upload"
    cloudinary.uploader.upload(solid_png(RED, 20, 20), public_id="shop/shoes/red")
    cloudinary.uploader.upload(solid_png(BLUE, 20, 20), public_id="shop/shoes/deep/blue", tags=["kept"])
    cloudinary.uploader.upload(solid_png(BLUE, 20, 20), public_id="shop/shoesbox")  # not in the folder
    cloudinary.uploader.upload(solid_png(RED, 20, 20), public_id="taken/red")
    assert near(pixel(decode(fetch(f"{base}/w_10,c_scale/shop/shoes/red.png")[2]), 2, 2), RED)

    with pytest.raises(cloudinary.exceptions.AlreadyExists):
        cloudinary.api.rename_folder("shop/shoes", "taken")
    assert cloudinary.api.resource("shop/shoes/red")["public_id"] == "shop/shoes/red"  # nothing moved

    moved = cloudinary.api.rename_folder("shop/shoes", "catalog/footwear")
    assert moved["from"]["path"] == "shop/shoes" and moved["to"] == {"name": "footwear", "path": "catalog/footwear"}
    listed = [r["public_id"] for r in cloudinary.api.resources(prefix="catalog/")["resources"]]
    assert listed == ["catalog/footwear/deep/blue", "catalog/footwear/red"]
    assert cloudinary.api.resource("catalog/footwear/deep/blue")["tags"] == ["kept"]
    assert [r["public_id"] for r in cloudinary.api.resources(prefix="shop/")["resources"]] == ["shop/shoesbox"]
    assert fetch(f"{base}/w_10,c_scale/shop/shoes/red.png")[0] == 404
    assert fetch(f"{base}/shop/shoes/red.png")[0] == 404
    assert near(pixel(decode(fetch(f"{base}/w_10,c_scale/catalog/footwear/red.png")[2]), 2, 2), RED)
    assert {"name": "footwear", "path": "catalog/footwear"} in cloudinary.api.subfolders("catalog")["folders"]

    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.rename_folder("no/such", "elsewhere")
    with pytest.raises(cloudinary.exceptions.BadRequest):
        cloudinary.api.rename_folder("catalog", "catalog/inner")
