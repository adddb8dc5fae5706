"""Usage through the SDK against live nodes on SQLite and PostgreSQL: renders, requests and bytes
delivered are counted by every node, kept across restarts, and reported per 30 days and per day."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pytest

from tests.helpers.images import RED, solid_png
from tests.helpers.pg import postgres_schema
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "metered", "999988887777666", "usage-secret"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "postgresql":
        with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('usage-db')}/edge.db"


@contextmanager
def node(root, database: str) -> Iterator[EdgeNode]:
    started = EdgeNode(root, {
        "EDGE_STORAGE_URL": f"file://{root.parent}/storage", "EDGE_DATABASE_URL": database,
        "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}", "EDGE_API_USAGE_FLUSH_SECONDS": "0.2",
    }, workers=2)
    try:
        yield started.wait_ready()
    finally:
        started.stop(timeout=15)
        cloudinary.reset_config()


def _configure(n: EdgeNode) -> None:
    cloudinary.reset_config()
    cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                      cname=f"127.0.0.1:{n.port}", upload_prefix=n.base)


def _settled(expected_requests: int) -> dict:
    deadline = time.monotonic() + 10
    while True:
        usage = cloudinary.api.usage()
        if usage["requests"] >= expected_requests or time.monotonic() > deadline:
            return usage
        time.sleep(0.2)


def test_usage_is_counted_by_every_node_and_kept_across_restarts(tmp_path, database):
    sent = 0
    with node(tmp_path / "a", database) as first, node(tmp_path / "b", database) as second:
        _configure(first)
        uploaded = cloudinary.uploader.upload(solid_png(RED, 64, 48), public_id="metered/one")
        for n, width in ((first, 10), (second, 20), (first, 30), (first, 10)):  # 3 renders, 4 requests
            status, _, body = fetch(f"{n.base}/{CLOUD}/image/upload/w_{width},c_scale/metered/one.png")
            assert status == 200
            sent += len(body)
        usage = _settled(4)
        assert usage["requests"] == 4 and usage["bandwidth"]["usage"] == sent
        assert usage["transformations"]["usage"] == 3
        assert usage["objects"]["usage"] == usage["resources"] == 1 and usage["storage"]["usage"] == uploaded["bytes"]
        assert usage["media_limits"]["image_max_px"] > 0
        _configure(second)
        assert cloudinary.api.usage()["requests"] == 4  # the same figures from the other node
    with node(tmp_path / "c", database) as restarted:
        _configure(restarted)
        usage = cloudinary.api.usage()
        assert usage["requests"] == 4 and usage["bandwidth"]["usage"] == sent and usage["transformations"]["usage"] == 3
        today = cloudinary.api.usage(date=datetime.datetime.now(datetime.UTC).date())
        assert today["requests"] == 4 and today["date_requested"] == datetime.datetime.now(datetime.UTC).date().isoformat()
        long_ago = cloudinary.api.usage(date="01-01-2001")
        assert long_ago["requests"] == 0 and long_ago["storage"]["usage"] == 0
        with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid date"):
            cloudinary.api.usage(date="31-02-2024")
