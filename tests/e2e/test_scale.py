"""Several edge nodes (`python -m edge serve` processes) sharing moto's S3 server and Redis.

No mocks: each node is a real process, S3 is moto's HTTP server, Redis is the machine's one
(a unique key prefix per module) or a throwaway redis-server that a test stops and restarts.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pyvips
import redis

from tests.helpers.images import BLUE, RED, decode, geometry_png, near, pixel, solid_png
from tests.helpers.s3 import s3_client
from tests.helpers.servers import EdgeNode, ThrowawayRedis, redis_key_prefix

NODE_SETTINGS = {
    "EDGE_S3_ADDRESSING_STYLE": "path",
    "EDGE_RENDER_WORKERS": "2",
    # Lookups are trusted for a minute, so only an invalidation message can make a node notice
    # a replaced original within a second.
    "EDGE_S3_LOOKUP_SECONDS": "60",
    "EDGE_REDIS_RETRY_SECONDS": "0.2",
}


class S3:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.bucket = f"edge-{uuid.uuid4().hex[:10]}"
        self.client = s3_client(self.url)
        self.client.create_bucket(Bucket=self.bucket)

    def put(self, public_id: str, data: bytes, ext: str = "png") -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"originals/demo/{public_id}.{ext}", Body=data)

    def delete(self, public_id: str, ext: str = "png") -> None:
        self.client.delete_object(Bucket=self.bucket, Key=f"originals/demo/{public_id}.{ext}")

    def node_settings(self) -> dict[str, str]:
        return {**NODE_SETTINGS, "EDGE_STORAGE_URL": f"s3://{self.bucket}/originals", "EDGE_S3_ENDPOINT_URL": self.url}


def start_nodes(tmp: Path, count: int, environ: dict[str, str]) -> list[EdgeNode]:
    nodes = [EdgeNode(tmp / f"node{i}", environ) for i in range(count)]
    return [node.wait_ready() for node in nodes]


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    store = S3()
    store.put("geometry", geometry_png())
    yield store
    store.server.stop()


@pytest.fixture(scope="module")
def prefix(redis_server: str) -> Iterator[str]:
    with redis_key_prefix(redis_server) as value:
        yield value


@pytest.fixture(scope="module")
def nodes(s3: S3, redis_server: str, prefix: str, tmp_path_factory) -> Iterator[list[EdgeNode]]:
    environ = {**s3.node_settings(), "EDGE_REDIS_URL": redis_server, "EDGE_REDIS_KEY_PREFIX": prefix}
    running = start_nodes(tmp_path_factory.mktemp("cluster"), 2, environ)
    yield running
    for node in running:
        node.stop()


def test_a_render_on_one_node_is_a_redis_hit_on_the_other(nodes):
    a, b = nodes
    url = "/demo/image/upload/c_fill,w_120,h_90/geometry.png"
    status, headers, body = a.get(url)
    assert status == 200 and headers["X-Cache"] == "render", headers.get("X-Cld-Error")
    status, headers_b, body_b = b.get(url)
    assert status == 200 and headers_b["X-Cache"] == "redis"
    assert body_b == body and headers_b["ETag"] == headers["ETag"]
    assert b.get(url)[1]["X-Cache"] == "memory"  # back-filled on the way
    assert b.metric("edge_cache_requests_total", tier="redis", result="hit") >= 1


def test_concurrent_cold_requests_across_nodes_render_once(nodes):
    url = "/demo/image/upload/c_scale,w_333/geometry.webp"
    before = sum(node.metric("edge_renders_total", result="ok") for node in nodes)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: nodes[i % 2].get(url), range(8)))
    assert all(status == 200 for status, _, _ in results)
    assert len({body for _, _, body in results}) == 1
    after = sum(node.metric("edge_renders_total", result="ok") for node in nodes)
    assert after - before == 1, [headers["X-Cache"] for _, headers, _ in results]


def _publish_invalidation(redis_url: str, prefix: str, public_id: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.publish(f"{prefix}invalidate", json.dumps({"cloud": "demo", "public_id": public_id}))
    client.close()


def _until(predicate, timeout: float) -> float:
    """Seconds until predicate() held; fails after timeout."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "not within the deadline"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_replaced_original_is_served_new_everywhere_within_a_second(nodes, s3, redis_server, prefix):
    s3.put("swap", solid_png(RED, 400, 300))
    url = "/demo/image/upload/w_50/swap.png"
    for node in nodes:
        assert near(pixel(decode(node.get(url)[2]), 25, 25), RED)
    s3.put("swap", solid_png(BLUE, 400, 300))
    assert near(pixel(decode(nodes[0].get(url)[2]), 25, 25), RED)  # the lookup is still trusted
    _publish_invalidation(redis_server, prefix, "swap")
    for node in nodes:
        elapsed = _until(lambda node=node: near(pixel(decode(node.get(url)[2]), 25, 25), BLUE), timeout=1.0)
        assert elapsed < 1.0


def test_a_deleted_original_is_gone_everywhere_within_a_second(nodes, s3, redis_server, prefix):
    s3.put("doomed", solid_png(RED))
    url = "/demo/image/upload/w_40/doomed.png"
    assert all(node.get(url)[0] == 200 for node in nodes)
    s3.delete("doomed")
    _publish_invalidation(redis_server, prefix, "doomed")
    for node in nodes:
        _until(lambda node=node: node.get(url)[0] == 404, timeout=1.0)


def test_redis_outage_keeps_delivery_up_and_heals(s3, tmp_path):
    server = ThrowawayRedis()
    server.start()
    a, b = start_nodes(tmp_path, 2, {**s3.node_settings(), "EDGE_REDIS_URL": server.url})
    try:
        assert a.get("/demo/image/upload/w_31/geometry.png")[0] == 200
        server.stop()
        for i, node in enumerate((a, b)):
            status, headers, _ = node.get(f"/demo/image/upload/w_{41 + i}/geometry.png")
            assert status == 200 and headers["X-Cache"] == "render"
        assert b.get("/demo/image/upload/w_31/geometry.png")[0] == 200
        status, _, body = a.get("/readyz")
        assert status == 200 and b"redis: unhealthy" in body
        assert a.metric("edge_redis_up") == 0
        server.start()  # same port, empty
        for node in (a, b):
            _until(lambda node=node: node.metric("edge_redis_up") == 1, timeout=10)
        url = "/demo/image/upload/w_51/geometry.png"
        assert a.get(url)[1]["X-Cache"] == "render"
        assert b.get(url)[1]["X-Cache"] == "redis"
        assert b"redis: ok" in a.get("/readyz")[2]
    finally:
        for node in (a, b):
            node.stop()
        server.stop()


def test_s3_outage_serves_cached_derivatives_and_fails_uncached_ones(tmp_path):
    s3 = S3()
    s3.put("geometry", geometry_png())
    environ = {**s3.node_settings(), "EDGE_S3_LOOKUP_SECONDS": "0", "EDGE_S3_MAX_ATTEMPTS": "1",
               "EDGE_SERVER_LOG_FORMAT": "json"}
    (node,) = start_nodes(tmp_path, 1, environ)
    try:
        cached = "/demo/image/upload/w_64/geometry.png"
        status, headers, body = node.get(cached)
        assert status == 200 and headers["X-Cache"] == "render"
        s3.server.stop()
        status, headers, stale = node.get(cached)
        assert status == 200 and headers["X-Cache"] == "stale" and stale == body
        assert headers["Cache-Control"] == "public, max-age=10"
        status, headers, _ = node.get("/demo/image/upload/w_65/geometry.png", {"X-Request-Id": "outage-1"})
        assert status in (502, 504) and headers["X-Cld-Error"].startswith("Storage")
        assert headers["X-Request-Id"] == "outage-1"
        assert node.metric("edge_stale_served_total") == 1
        status, _, body = node.get("/readyz")  # still in the Service: stale-if-error needs the pod
        assert status == 200 and b"storage: unhealthy" in body
    finally:
        node.stop()
    lines = [json.loads(line) for line in node.logfile.read_text().splitlines() if line.startswith("{")]
    (failure,) = [line for line in lines if line["request_id"] == "outage-1"]
    assert failure["level"] == "ERROR" and ("-> 502" in failure["message"] or "-> 504" in failure["message"])


def test_sigterm_during_a_slow_render_lets_it_complete(s3, tmp_path):
    big = pyvips.Image.gaussnoise(4000, 3000).cast("uchar")
    s3.put("big", big.bandjoin([big, big]).copy(interpretation="srgb").jpegsave_buffer(Q=90), ext="jpg")
    (node,) = start_nodes(tmp_path, 1, {**s3.node_settings(), "EDGE_SERVER_DRAIN_SECONDS": "1.5"})
    result: list[tuple[int, dict[str, str], bytes]] = []
    request = threading.Thread(target=lambda: result.append(node.get("/demo/image/upload/w_3990/big.png")))
    request.start()
    try:
        # In flight: the slow request plus the /metrics request asking.
        _until(lambda: node.metric("edge_http_requests_in_flight") >= 2, timeout=20)
        node.terminate()
        _until(lambda: node.get("/readyz")[0] == 503, timeout=1.0)  # draining: load balancers stop sending
        request.join(timeout=30)
        status, headers, body = result[0]
        assert status == 200 and decode(body).width == 3990
        assert node.process.wait(timeout=20) == 0
    finally:
        node.stop()


def test_prefork_workers_share_the_disk_tier_and_all_drain_on_sigterm(s3, tmp_path):
    node = EdgeNode(tmp_path / "prefork", {**s3.node_settings(), "EDGE_SERVER_DRAIN_SECONDS": "1.5",
                                          "EDGE_CACHE_MEMORY_BYTES": "0"}, workers=2).wait_ready()
    try:
        url = "/demo/image/upload/w_23/geometry.png"
        assert node.get(url)[1]["X-Cache"] == "render"
        time.sleep(0.2)  # the disk write is a background task
        sources = {node.get(url)[1]["X-Cache"] for _ in range(6)}
        assert sources == {"disk"}  # whichever worker answers
        node.terminate()  # to the parent, which passes it on to both workers
        _until(lambda: node.get("/readyz")[0] == 503, timeout=1.0)
        assert node.process.wait(timeout=20) == 0
    finally:
        node.stop()
