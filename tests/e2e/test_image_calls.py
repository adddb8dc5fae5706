"""The remaining image calls through the SDK against a live node (SQLite, PostgreSQL, S3):
asset ids, display_name, delete_derived_resources, config, generate_archive (streamed ZIP and
create_zip), and the clear 400s of what edge does not do (publish/access_mode, multi, explode, sprite)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.live import live_node
from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "calls", "456456456456456", "calls-secret"


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "s3"])
def live(request, tmp_path_factory) -> Iterator[EdgeNode]:
    with live_node(request, tmp_path_factory, "calls", f"cloudinary://{KEY}:{SECRET}@{CLOUD}") as node:
        yield node


@pytest.fixture
def sdk(live) -> Iterator[EdgeNode]:
    with sdk_configured(live, CLOUD, KEY, SECRET) as node:
        yield node


def test_asset_ids_display_name_derived_and_config(sdk):
    first = cloudinary.uploader.upload(solid_png(RED, 20, 20), public_id="calls/one",
                                       eager=[{"width": 10, "crop": "scale"}, {"width": 5, "crop": "scale", "format": "jpg"}])
    second = cloudinary.uploader.upload(solid_png(BLUE, 20, 20), public_id="calls/two")
    again = cloudinary.uploader.upload(solid_png(BLUE, 20, 20), public_id="calls/one", overwrite=True)
    assert again["asset_id"] == first["asset_id"]  # stable across versions
    listed = cloudinary.api.resources_by_asset_ids([first["asset_id"], second["asset_id"]])["resources"]
    assert sorted(r["public_id"] for r in listed) == ["calls/one", "calls/two"]
    assert cloudinary.api.resource_by_asset_id(second["asset_id"])["public_id"] == "calls/two"

    assert cloudinary.api.resource("calls/two")["display_name"] == "two"
    updated = cloudinary.api.update("calls/two", display_name="Blue square")
    assert updated["display_name"] == "Blue square"
    assert cloudinary.api.resource("calls/two")["display_name"] == "Blue square"

    cloudinary.uploader.explicit("calls/two", type="upload", eager=[{"width": 10, "crop": "scale"}])
    derived = cloudinary.api.resource("calls/two")["derived"]
    assert len(derived) == 1
    gone = cloudinary.api.delete_derived_resources([derived[0]["id"], "nope-x-png"])
    assert gone["deleted"] == {derived[0]["id"]: "deleted", "nope-x-png": "not_found"}
    assert cloudinary.api.resource("calls/two")["derived"] == []

    assert cloudinary.api.config()["cloud_name"] == CLOUD
    assert cloudinary.api.config(settings=True)["settings"]["folder_mode"] == "fixed"


def test_what_edge_does_not_do_is_a_clear_400(sdk):
    cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id="calls/p", tags=["p"])
    for call in (lambda: cloudinary.api.publish_by_ids(["calls/p"]), lambda: cloudinary.api.publish_by_prefix("calls/"),
                 lambda: cloudinary.api.publish_by_tag("p")):
        with pytest.raises(cloudinary.exceptions.BadRequest, match="Not supported - publish_resources and access_mode"):
            call()
    for name, call in (("multi", lambda: cloudinary.uploader.multi("p")),
                       ("explode", lambda: cloudinary.uploader.explode("calls/p", page="all")),
                       ("sprite", lambda: cloudinary.uploader.generate_sprite("p"))):
        with pytest.raises(cloudinary.exceptions.BadRequest, match=f"Not supported - {name}"):
            call()


def test_download_zip_url_streams_a_zip_of_originals_or_derivatives(sdk):
    cloudinary.uploader.upload(solid_png(RED, 30, 20), public_id="zip/a/red", tags=["zipped"])
    cloudinary.uploader.upload(solid_png(BLUE, 30, 20), public_id="zip/blue", tags=["zipped"])
    status, headers, body = fetch(cloudinary.utils.download_zip_url(tags="zipped"))
    assert status == 200 and headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["zip/a/red.png", "zip/blue.png"]
    assert near(pixel(decode(archive.read("zip/a/red.png")), 3, 3), RED)

    url = cloudinary.utils.download_zip_url(public_ids=["zip/a/red"], prefixes=["zip/b"], flatten_folders=True,
                                            transformations=[{"width": 10, "crop": "scale", "format": "jpg"}])
    status, _, body = fetch(url)
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert status == 200 and names == ["red_c_scale_w_10.jpg", "blue_c_scale_w_10.jpg"][: len(names)] and len(names) == 2
    image = decode(zipfile.ZipFile(io.BytesIO(body)).read(names[0]))
    assert image.width == 10

    tampered = cloudinary.utils.download_zip_url(tags="zipped").replace("tags%5B%5D=zipped", "tags%5B%5D=other")
    assert fetch(tampered)[0] == 401
    status, headers, _ = fetch(cloudinary.utils.download_zip_url(public_ids=["zip/none"]))
    assert status == 400 and "not found" in headers["X-Cld-Error"]


def test_create_zip_stores_the_archive_as_a_raw_file(sdk):
    cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id="made/one")
    result = cloudinary.uploader.create_zip(public_ids=["made/one"], target_public_id="exports/made")
    assert result["public_id"] == "exports/made.zip" and result["file_count"] == 1 and result["resource_type"] == "raw"
    status, _, body = fetch(result["secure_url"])
    assert status == 200 and zipfile.ZipFile(io.BytesIO(body)).namelist() == ["made/one.png"]
    assert len(body) == result["bytes"]
