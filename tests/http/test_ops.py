"""/readyz: shared dependencies are reported and never fail readiness; this process's own
trouble (draining, a wedged render pool, a local storage folder or SQLite file) does."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from edge.http.keys import DRAINING, POOL, UPLOADS
from tests.helpers import prom
from tests.helpers.images import geometry_png
from tests.helpers.net import free_port
from tests.helpers.pg import postgres_schema
from tests.helpers.s3 import s3_client


async def _ready(client) -> tuple[int, str]:
    response = await client.get("/readyz")
    return response.status, await response.text()


async def _metric(client, name: str, **labels: str) -> float:
    return prom.value(await (await client.get("/metrics")).text(), name, **labels)


@pytest.fixture
def own_moto():
    """A moto server of this test's own, to stop and start again on the same port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    servers = [ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)]
    servers[0].start()

    def restart():
        servers.append(ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False))
        servers[-1].start()

    yield f"http://127.0.0.1:{port}", servers, restart
    for server in servers:
        try:
            server.stop()
        except Exception:  # noqa: BLE001  (already stopped)
            pass


async def test_s3_down_reports_unhealthy_but_stays_ready_and_serves_stale(client_for, make_settings, own_moto, aws_credentials):
    endpoint, servers, restart = own_moto
    s3 = s3_client(endpoint)
    s3.create_bucket(Bucket="outage")
    s3.put_object(Bucket="outage", Key="o/demo/geometry.png", Body=geometry_png())
    client = await client_for(make_settings(
        EDGE_STORAGE_URL="s3://outage/o", EDGE_S3_ENDPOINT_URL=endpoint, EDGE_S3_ADDRESSING_STYLE="path",
        EDGE_S3_MAX_ATTEMPTS="1", EDGE_S3_LOOKUP_SECONDS="0",
    ))
    cached = "/demo/image/upload/w_64/geometry.png"
    first = await client.get(cached)
    assert first.status == 200 and first.headers["X-Cache"] == "render"
    body = await first.read()
    assert await _ready(client) == (200, "ready\nstorage: ok\ncatalog: ok\nrender: ok\n")

    await asyncio.to_thread(servers[0].stop)
    status, text = await _ready(client)
    assert status == 200 and text.startswith("ready\n") and "storage: unhealthy (Storage unreachable)" in text
    assert await _metric(client, "edge_dependency_up", dependency="storage") == 0
    stale = await client.get(cached)  # stale-if-error keeps working while the pod stays in the Service
    assert stale.status == 200 and stale.headers["X-Cache"] == "stale" and await stale.read() == body
    uncached = await client.get("/demo/image/upload/w_65/geometry.png")
    assert uncached.status == 502 and uncached.headers["X-Cld-Error"] == "Storage unreachable"

    await asyncio.to_thread(restart)  # same port, a new (empty) moto: the bucket answers again once made
    s3_client(endpoint).create_bucket(Bucket="outage")
    status, text = await _ready(client)
    assert status == 200 and "storage: ok" in text
    assert await _metric(client, "edge_dependency_up", dependency="storage") == 1


async def test_a_hung_s3_answers_readyz_within_the_probe_timeout(client_for, make_settings, aws_credentials):
    held = []

    async def hold(reader, writer):  # accepts and never answers
        held.append(writer)
        await asyncio.sleep(60)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = await client_for(make_settings(
        EDGE_STORAGE_URL="s3://hung/o", EDGE_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}", EDGE_S3_MAX_ATTEMPTS="1",
    ))
    started = time.perf_counter()
    status, text = await _ready(client)
    assert time.perf_counter() - started < 1.8  # the kubelet's timeoutSeconds is 2
    assert status == 200 and "storage: unhealthy" in text
    for writer in held:
        writer.close()
    server.close()


async def test_a_postgres_catalog_outage_is_reported_not_failed(client_for, make_settings):
    with postgres_schema() as url:
        client = await client_for(make_settings(EDGE_DATABASE_URL=url))
        assert (await _ready(client))[0] == 200
        await client.server.app[UPLOADS].store.catalog.db.close()  # shared database gone
        status, text = await _ready(client)
        assert status == 200 and "catalog: unhealthy (Catalog unreachable)" in text
        assert await _metric(client, "edge_dependency_up", dependency="catalog") == 0


async def test_a_sqlite_catalog_of_this_pod_fails_readiness(client):
    await client.server.app[UPLOADS].store.catalog.db.close()  # this pod's own file
    status, text = await _ready(client)
    assert status == 503 and text.startswith("not ready: catalog\n")


async def test_a_missing_local_storage_folder_fails_readiness(client_for, make_settings):
    import shutil

    settings = make_settings()
    client = await client_for(settings)
    shutil.rmtree(settings.storage.folder)
    status, text = await _ready(client)
    assert status == 503 and "storage: unhealthy (Storage folder is missing)" in text


async def test_a_wedged_render_pool_fails_readiness_until_a_thread_comes_back(client_for, make_settings):
    client = await client_for(make_settings(EDGE_RENDER_WORKERS="1"))
    pool = client.server.app[POOL]
    release = threading.Event()
    with pytest.raises(Exception, match="Render took too long"):
        await pool.run(release.wait, 10, timeout=0.05)  # stuck in "native code" past its deadline
    status, text = await _ready(client)
    assert status == 503 and "render: wedged" in text
    assert await _metric(client, "edge_render_threads_abandoned") == 1
    release.set()
    for _ in range(100):
        if not pool.wedged:
            break
        await asyncio.sleep(0.01)
    assert (await _ready(client))[0] == 200
    assert await _metric(client, "edge_render_threads_abandoned") == 0


async def test_draining_fails_readiness(client):
    client.server.app[DRAINING].append(True)
    response = await client.get("/readyz")
    assert response.status == 503 and response.headers["Retry-After"] == "1" and await response.text() == "draining\n"
