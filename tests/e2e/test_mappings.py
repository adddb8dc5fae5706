"""Upload mappings (auto-upload) through the SDK against a live node, on SQLite, PostgreSQL and
S3: a missing asset under a mapped folder is fetched from its template once, stored as a real
asset, and served transformed; private addresses are refused unless exactly lifted for a test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.live import live_node
from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "legacy", "321321321321321", "mapping-secret"


class Origin:
    """The old site: serves /images/<name>.png (red) and counts the requests."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                origin.hits.append(self.path)
                if not self.path.startswith("/images/") or "missing" in self.path:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = solid_png(BLUE if "blue" in self.path else RED, 40, 30)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[Origin, Origin]]:
    lifted, private = Origin(), Origin()
    yield lifted, private
    lifted.server.shutdown()
    private.server.shutdown()


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "s3"])
def live(request, tmp_path_factory, origins) -> Iterator[EdgeNode]:
    # only the first origin is lifted, exactly (address and port); the second stays private
    lifted = {"EDGE_FETCH_LIFT_GUARD": f"127.0.0.1:{origins[0].port}"}
    with live_node(request, tmp_path_factory, "mappings", f"cloudinary://{KEY}:{SECRET}@{CLOUD}", lifted) as node:
        yield node


@pytest.fixture
def sdk(live) -> Iterator[EdgeNode]:
    with sdk_configured(live, CLOUD, KEY, SECRET) as node:
        yield node


def test_mappings_are_kept_through_the_admin_api(sdk, origins):
    api = cloudinary.api
    template = f"http://127.0.0.1:{origins[0].port}/images/"
    assert api.create_upload_mapping("site", template=template)["folder"] == "site"
    with pytest.raises(cloudinary.exceptions.AlreadyExists):
        api.create_upload_mapping("site", template=template)
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid template"):
        api.create_upload_mapping("bad", template="file:///etc/")
    assert api.upload_mapping("site") == {"folder": "site", "template": template}
    api.create_upload_mapping("other", template="https://example.com/x/")
    assert [m["folder"] for m in api.upload_mappings()["mappings"]] == ["other", "site"]
    first = api.upload_mappings(max_results=1)
    assert [m["folder"] for m in first["mappings"]] == ["other"] and first["next_cursor"]
    assert [m["folder"] for m in api.upload_mappings(max_results=1, next_cursor=first["next_cursor"])["mappings"]] == ["site"]
    api.update_upload_mapping("other", template="https://example.org/y/")
    assert api.upload_mapping("other")["template"] == "https://example.org/y/"
    api.delete_upload_mapping("other")
    with pytest.raises(cloudinary.exceptions.NotFound):
        api.upload_mapping("other")


def test_a_missing_asset_is_fetched_once_stored_and_served(sdk, origins):
    lifted = origins[0]
    base = f"{sdk.base}/{CLOUD}/image/upload"
    before = len(lifted.hits)
    status, headers, body = fetch(f"{base}/w_20,c_scale/site/shop/red.png")
    assert status == 200 and decode(body).width == 20 and near(pixel(decode(body), 5, 5), RED)
    assert lifted.hits[before:] == ["/images/shop/red.png"]
    stored = cloudinary.api.resource("site/shop/red")
    assert (stored["width"], stored["height"], stored["format"]) == (40, 30, "png") and stored["version"] > 0
    status, _, body = fetch(f"{base}/w_10,c_scale/site/shop/red.png")
    assert status == 200 and decode(body).width == 10
    assert fetch(f"{base}/v{stored['version']}/site/shop/red.png")[0] == 200
    assert len(lifted.hits) == before + 1  # stored: never fetched again
    status, headers, _ = fetch(f"{base}/site/missing.png")
    assert status == 404 and "Auto-upload failed" in headers["X-Cld-Error"]
    assert fetch(f"{base}/unmapped/red.png")[0] == 404


def test_private_addresses_are_refused(sdk, origins):
    private = origins[1]
    cloudinary.api.create_upload_mapping("inward", template=f"http://127.0.0.1:{private.port}/images/")
    cloudinary.api.create_upload_mapping("named", template=f"http://localhost:{private.port}/images/")
    cloudinary.api.create_upload_mapping("meta", template="http://169.254.169.254/latest/")
    base = f"{sdk.base}/{CLOUD}/image/upload"
    for path in ("inward/red.png", "named/red.png", "meta/red.png"):
        status, headers, _ = fetch(f"{base}/{path}")
        assert status == 404 and "refused" in headers["X-Cld-Error"].lower(), (path, headers.get("X-Cld-Error"))
    assert private.hits == []
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.resource("inward/red")
