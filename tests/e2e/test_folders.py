"""rename_folder through the SDK against a live node, with the SQLite catalog, PostgreSQL, and
originals in S3 (moto): every asset moves, old URLs stop serving, new ones serve the same pixels."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.pg import postgres_schema
from tests.helpers.s3 import s3_client
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "folders", "123123123123123", "folder-secret"


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "s3"])
def live(request, tmp_path_factory) -> Iterator[EdgeNode]:
    root = tmp_path_factory.mktemp(f"folders-{request.param}")
    context = postgres_schema() if request.param == "postgresql" else None
    database = context.__enter__() if context else f"sqlite:///{root}/edge.db"
    environ = {"EDGE_STORAGE_URL": f"file://{root}/storage", "EDGE_STORAGE_REVALIDATE_SECONDS": "0"}
    if request.param == "s3":
        moto_url = request.getfixturevalue("moto_url")
        bucket = f"edge-folders-{uuid.uuid4().hex[:8]}"
        s3_client(moto_url).create_bucket(Bucket=bucket)
        environ = {"EDGE_STORAGE_URL": f"s3://{bucket}/originals", "EDGE_S3_ENDPOINT_URL": moto_url,
                   "EDGE_S3_ADDRESSING_STYLE": "path", "EDGE_S3_LOOKUP_SECONDS": "0", "EDGE_S3_NEGATIVE_LOOKUP_SECONDS": "0"}
    node = EdgeNode(root, {**environ, "EDGE_DATABASE_URL": database,
                           "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}"}, workers=2)
    try:
        node.wait_ready()
        yield node
    finally:
        try:
            node.stop(timeout=15)
        finally:
            if context is not None:
                context.__exit__(None, None, None)


@pytest.fixture
def sdk(live) -> Iterator[EdgeNode]:
    cloudinary.reset_config()
    cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                      cname=f"127.0.0.1:{live.port}", upload_prefix=live.base)
    yield live
    cloudinary.reset_config()


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
