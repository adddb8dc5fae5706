"""Cross-node coordination inside one test process: two apps ("nodes") share moto's S3 and Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis

from edge.http.keys import DELIVERY
from tests.helpers import prom
from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.net import free_port
from tests.helpers.s3 import s3_client


@pytest.fixture
def node_settings(make_settings, moto_url, bucket, redis_server, redis_prefix):
    def make(**extra):
        values = dict(
            EDGE_STORAGE_URL=f"s3://{bucket}/originals", EDGE_S3_ENDPOINT_URL=moto_url, EDGE_S3_ADDRESSING_STYLE="path",
            EDGE_S3_LOOKUP_SECONDS="60", EDGE_REDIS_URL=redis_server, EDGE_REDIS_KEY_PREFIX=redis_prefix,
            EDGE_CACHE_DIR="",
        )
        values.update(extra)
        return make_settings(**values)

    return make


async def renders(client) -> float:
    return prom.value(await (await client.get("/metrics")).text(), "edge_renders_total", result="ok")


async def test_delivery_invalidate_reaches_the_other_node(client_for, node_settings, bucket, moto_url):
    a, b = await client_for(node_settings()), await client_for(node_settings())
    s3 = s3_client(moto_url)
    s3.put_object(Bucket=bucket, Key="originals/demo/swap.png", Body=solid_png(RED, 200, 100))
    url = "/demo/image/upload/w_20/swap.png"
    for node in (a, b):
        assert near(pixel(decode(await (await node.get(url)).read()), 5, 5), RED)
    s3.put_object(Bucket=bucket, Key="originals/demo/swap.png", Body=solid_png(BLUE, 200, 100))
    await a.app[DELIVERY].invalidate("demo", "swap")  # what the upload API calls after a replace
    started = time.monotonic()
    while not near(pixel(decode(await (await b.get(url)).read()), 5, 5), BLUE):
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(0.02)
    assert near(pixel(decode(await (await a.get(url)).read()), 5, 5), BLUE)


async def test_concurrent_requests_on_two_nodes_render_once(client_for, node_settings):
    a, b = await client_for(node_settings()), await client_for(node_settings())
    url = "/demo/image/upload/c_fill,w_90,h_90/geometry.png"
    responses = await asyncio.gather(*(node.get(url) for node in (a, b, a, b, a, b)))
    assert all(r.status == 200 for r in responses)
    assert len({await r.read() for r in responses}) == 1
    assert await renders(a) + await renders(b) == 1
    assert {r.headers["X-Cache"] for r in responses} <= {"render", "shared", "redis"}


async def test_a_lock_held_by_a_dead_node_delays_only_until_the_wait_runs_out(
    client_for, node_settings, redis_server, redis_prefix
):
    a = await client_for(node_settings(EDGE_REDIS_WAIT_SECONDS="0.3"))
    url = "/demo/image/upload/w_77/geometry.png"
    first = await a.get(url)  # find the derivative key through the ETag, then forget the render
    key_prefix = first.headers["ETag"].strip('"')
    client = redis.Redis.from_url(redis_server)
    (data_key,) = [k.decode() for k in client.scan_iter(match=f"{redis_prefix}d:{key_prefix}*")]
    key = data_key.removeprefix(f"{redis_prefix}d:")
    client.delete(data_key)
    client.set(f"{redis_prefix}lock:{key}", "a-node-that-died", px=60_000)
    b = await client_for(node_settings(EDGE_REDIS_WAIT_SECONDS="0.3"))
    started = time.monotonic()
    response = await b.get(url)
    assert response.status == 200 and response.headers["X-Cache"] == "render"
    assert 0.3 <= time.monotonic() - started < 3
    text = await (await b.get("/metrics")).text()
    assert prom.value(text, "edge_coordination_total", event="wait_timeout") == 1
    client.close()


async def test_readyz_names_an_unhealthy_redis_but_stays_ready(client_for, node_settings):
    port = free_port()  # nobody listens there
    node = await client_for(node_settings(EDGE_REDIS_URL=f"redis://127.0.0.1:{port}/0"))
    response = await node.get("/readyz")
    assert response.status == 200 and "redis: unhealthy" in await response.text()
    assert (await node.get("/demo/image/upload/w_30/geometry.png")).status == 200


async def test_stale_if_error_serves_another_nodes_last_good_derivative(
    client_for, make_settings, redis_server, redis_prefix, aws_credentials
):
    from moto.server import ThreadedMotoServer

    from tests.helpers.images import geometry_png

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint).create_bucket(Bucket="stale")
    s3_client(endpoint).put_object(Bucket="stale", Key="demo/geometry.png", Body=geometry_png())
    settings = make_settings(
        EDGE_STORAGE_URL="s3://stale", EDGE_S3_ENDPOINT_URL=endpoint, EDGE_S3_ADDRESSING_STYLE="path",
        EDGE_S3_LOOKUP_SECONDS="0", EDGE_S3_MAX_ATTEMPTS="1", EDGE_REDIS_URL=redis_server,
        EDGE_REDIS_KEY_PREFIX=redis_prefix, EDGE_CACHE_DIR="",
    )
    a, b = await client_for(settings), await client_for(settings)
    url = "/demo/image/upload/w_64/geometry.png"
    rendered = await a.get(url)
    assert rendered.headers["X-Cache"] == "render"
    await asyncio.sleep(0.1)  # the alias is written in the background
    moto.stop()
    stale = await b.get(url)  # b never served it: the alias and the bytes come from Redis
    assert stale.status == 200 and stale.headers["X-Cache"] == "stale"
    assert await stale.read() == await rendered.read()
    assert (await b.get("/demo/image/upload/w_65/geometry.png")).status == 502


async def test_after_a_redis_restart_the_last_good_records_are_shared_again(
    client_for, make_settings, aws_credentials
):
    """Chaos run: after Redis restarted (empty), an S3 outage made warm URLs answer 502 on the
    processes that had not served them themselves: their stale records were gone with Redis."""
    from moto.server import ThreadedMotoServer

    from tests.helpers.images import geometry_png
    from tests.helpers.servers import ThrowawayRedis

    throwaway = ThrowawayRedis()
    throwaway.start()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3_client(endpoint).create_bucket(Bucket="restart")
        s3_client(endpoint).put_object(Bucket="restart", Key="demo/geometry.png", Body=geometry_png())
        settings = make_settings(
            EDGE_STORAGE_URL="s3://restart", EDGE_S3_ENDPOINT_URL=endpoint, EDGE_S3_ADDRESSING_STYLE="path",
            EDGE_S3_LOOKUP_SECONDS="0", EDGE_S3_MAX_ATTEMPTS="1", EDGE_REDIS_URL=throwaway.url,
            EDGE_REDIS_RETRY_SECONDS="0.2", EDGE_CACHE_DIR="",
        )
        a = await client_for(settings)
        url = "/demo/image/upload/w_64/geometry.png"
        rendered = await a.get(url)
        assert rendered.headers["X-Cache"] == "render"
        body = await rendered.read()
        throwaway.stop()
        throwaway.start()  # same port, empty
        check = redis.Redis.from_url(throwaway.url)
        for _ in range(100):  # a reconnects, then writes what it remembers back
            if list(check.scan_iter(match="*alias:*")):
                break
            await asyncio.sleep(0.1)
        assert list(check.scan_iter(match="*alias:*")), "the last good records were not shared again"
        b = await client_for(settings)
        await asyncio.to_thread(moto.stop)
        # b never served the URL: the record must come from Redis. Its bytes went with the old
        # Redis, so hand b a's copy (a node's sibling worker reads it from the shared disk tier)
        from edge.app import CACHE

        key = next(iter(check.hvals(next(check.scan_iter(match="*alias:*"))))).decode()
        entry = a.server.app[CACHE].memory.get(key)
        b.server.app[CACHE].memory.put(key, entry)
        stale = await b.get(url)
        assert stale.status == 200 and stale.headers["X-Cache"] == "stale" and await stale.read() == body
        check.close()
    finally:
        try:
            moto.stop()
        except Exception:  # noqa: BLE001  (stopped above)
            pass
        throwaway.stop()


def test_an_assets_remembered_variants_are_bounded():
    """Soak: a few originals asked in ever new transformations grew each asset's record without bound."""
    from edge.cache.tiered import TieredCache
    from edge.metrics import Metrics
    from edge.services import coordination
    from edge.services.coordination import Cluster

    cluster = Cluster(origins=None, cache=TieredCache.__new__(TieredCache), metrics=Metrics())  # type: ignore[arg-type]
    for n in range(coordination._MAX_VARIANTS_PER_ASSET + 50):
        cluster.remember("demo", "sample", f"image/upload/w_{n}/jpg", f"key{n}", share=False)
    cluster.remember("demo", "sample", "image/upload/w_60/jpg", "key60", share=False)  # served again: kept
    for n in range(10):
        cluster.remember("demo", "sample", f"image/upload/h_{n}/jpg", f"h{n}", share=False)
    (variants,) = cluster._last_good.values()
    assert len(variants) == coordination._MAX_VARIANTS_PER_ASSET
    assert "image/upload/w_60/jpg" in variants and "image/upload/w_0/jpg" not in variants
