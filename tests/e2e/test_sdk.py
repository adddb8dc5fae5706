"""The whole server as a user runs it (`edge serve`), with URLs built by the official SDK."""

from __future__ import annotations

import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.sdk import sdk_url
from tests.helpers.servers import fetch


def test_the_readme_url_gives_a_400x300_jpeg(server):
    base, port = server.base, server.port
    url = sdk_url(port, "sample", width=400, height=300, crop="fill", gravity="auto", format="jpg")
    assert url == f"{base}/demo/image/upload/c_fill,g_auto,h_300,w_400/sample.jpg"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    image = decode(body)
    assert (image.width, image.height) == (400, 300)


@pytest.mark.parametrize(
    "options, size, fmt",
    [
        (dict(width=200, height=100, crop="fill", gravity="north", format="png"), (200, 100), "image/png"),
        (dict(width=0.5, crop="scale", format="webp"), (200, 150), "image/webp"),
        (dict(width=120, height=120, crop="pad", background="black", format="jpg"), (120, 120), "image/jpeg"),
        (dict(transformation=[dict(width=200, crop="scale"), dict(angle=90)], format="png"), (150, 200), "image/png"),
        (dict(width=100, dpr=2.0, crop="limit", format="png"), (200, 150), "image/png"),
    ],
)
def test_sdk_urls_render(server, options, size, fmt):
    port = server.port
    for public_id in ("geometry", "folder/geometry"):  # the folder one carries the SDK's /v1/
        status, headers, body = fetch(sdk_url(port, public_id, **options))
        assert status == 200, headers.get("X-Cld-Error")
        image = decode(body)
        assert (image.width, image.height) == size and headers["Content-Type"] == fmt


def test_sdk_f_auto_q_auto_negotiates(server):
    port = server.port
    url = sdk_url(port, "geometry", width=100, fetch_format="auto", quality="auto")
    status, headers, body = fetch(url, {"Accept": "image/webp,*/*"})
    assert status == 200 and headers["Content-Type"] == "image/webp" and headers["Vary"] == "Accept"


def test_pixels_gravity_and_errors_over_the_wire(server):
    port = server.port
    _, _, body = fetch(sdk_url(port, "geometry", width=100, height=100, crop="crop", gravity="south_west", format="png"))
    assert near(pixel(decode(body), 50, 50), BLUE)
    status, headers, _ = fetch(sdk_url(port, "geometry", width=100, height=100, crop="crop", gravity="north_west", format="png"))
    assert status == 200
    status, headers, _ = fetch(sdk_url(port, "no/such/asset", width=100, format="jpg"))
    assert status == 404 and headers["X-Cld-Error"] == "Resource not found - no/such/asset"


def test_etag_and_304_through_both_workers(server):
    port = server.port
    url = sdk_url(port, "geometry", width=77, crop="scale", format="jpg")
    _, headers, body = fetch(url)
    for _ in range(4):  # whichever process answers, the ETag is the same and 304 works
        status, again, _ = fetch(url, {"If-None-Match": headers["ETag"]})
        assert status == 304 and again["ETag"] == headers["ETag"]


def test_samples_are_installed_and_served(server):
    base = server.base
    assert "demo/sample.jpg" in server.originals.names()
    status, _, body = fetch(f"{base}/demo/image/upload/c_fill,w_64,h_64/samples/astronaut.webp")
    assert status == 200 and decode(body).width == 64
    status, headers, _ = fetch(f"{base}/metrics")
    assert status == 200


def test_red_corner_is_still_red(server):
    port = server.port
    _, _, body = fetch(sdk_url(port, "geometry", width=40, height=40, crop="crop", gravity="north_west", format="png"))
    assert near(pixel(decode(body), 20, 20), RED)


def test_a_default_image_dropped_into_the_store_stands_in_for_a_missing_asset(server):
    """Bug (production profile): `d_ph.png` answered 404 "default image ph.png missing too" when
    ph.png was in S3, while the folder store rendered it."""
    server.originals.put("demo/placeholders/ph.png", solid_png(BLUE, 80, 60))
    url = sdk_url(server.port, "no/such/asset", width=40, crop="scale", default_image="placeholders:ph.png", format="png")
    assert ",d_placeholders:ph.png," in url
    status, headers, body = fetch(url)
    assert status == 200, headers.get("X-Cld-Error")
    assert decode(body).width == 40 and near(pixel(decode(body), 5, 5), BLUE)
