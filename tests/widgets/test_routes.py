"""The widget files as edge serves them (no browser): paths, caching, compression, CORS, the vendor manifest."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from edge.widgets.files import STATIC, WIDGETS

VENDOR = STATIC / "vendor"


@pytest.mark.parametrize("path", ["/widgets/upload-widget/all.js", "/widgets/upload-widget/global/all.js",
                                  "/widgets/upload-widget/latest/global/all.js", "/widgets/product-gallery/all.js"])
async def test_widget_scripts_are_served_compressed_cacheable_and_cross_origin(client, path):
    response = await client.get(path, headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Content-Encoding"] == "gzip" and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    text = gzip.decompress(await response.read()).decode()
    assert text.startswith("(function () {") and text.rstrip().endswith("})();")
    assert "cloudinary.createUploadWidget" in text or "cld.galleryWidget" in text or "cld.createUploadWidget" in text
    again = await client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304


async def test_every_widget_concatenates_the_core_and_its_own_file(client):
    for name, parts in WIDGETS.items():
        body = await (await client.get(f"/widgets/{name}/all.js")).text()
        for part in parts:
            assert (STATIC / part).read_text() in body


async def test_unknown_widgets_and_files_are_404_with_a_reason(client):
    response = await client.get("/widgets/media-library/all.js")  # comes with the console's picker
    assert response.status == 404 and response.headers["X-Cld-Error"] == "Unknown widget - media-library"
    for path in ("/widgets/static/nope.js", "/widgets/static/vendor", "/widgets/static/%2e%2e/files.py",
                 "/widgets/static/.hidden"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_vendored_modules_are_served_as_javascript(client):
    response = await client.get("/widgets/static/vendor/photoswipe-5.4.4/photoswipe.esm.min.js")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # import() from the host page's origin
    assert (await response.read()) == (VENDOR / "photoswipe-5.4.4" / "photoswipe.esm.min.js").read_bytes()


async def test_the_demo_page_names_the_cloud_and_has_no_inline_script(client):
    response = await client.get("/widgets/demo")
    html = await response.text()
    assert response.status == 200 and 'data-cloud="demo"' in html
    assert "<script>" not in html and all("src=" in line for line in html.splitlines() if "<script" in line)


def test_the_vendor_manifest_matches_the_files_and_keeps_the_licences():
    entries = json.loads((VENDOR / "manifest.json").read_text())
    assert {e["name"] for e in entries} == {"cropperjs", "photoswipe", "axe-core"}
    for entry in entries:
        path = VENDOR / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["file"]
        assert (VENDOR / entry["licence_file"]).read_text().strip()
        assert entry["licence"] in ("MIT", "MPL-2.0") and entry["version"] and entry["source"]
        assert entry["npm_integrity"].startswith("sha512-")
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk == {e["file"] for e in entries} | {e["licence_file"] for e in entries} | {"manifest.json"}


def test_the_widgets_request_nothing_from_third_parties():
    """Every URL in our own JavaScript is relative to the script's origin (EDGE), never a CDN."""
    for path in [STATIC / "core.js", *[STATIC / p for parts in WIDGETS.values() for p in parts]]:
        text = path.read_text()
        assert "https://" not in text.replace('"https://" + host', "").replace("https://example.com", ""), path


def test_every_widget_file_is_within_its_size_budget():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "widgets_size.py"
    spec = importlib.util.spec_from_file_location("widgets_size", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    over = [(widget, what, gz, budget) for widget, what, _, gz, budget in module.measure() if gz > budget]
    assert over == []
