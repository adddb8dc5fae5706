"""The delivery route over HTTP: status codes, headers, caching and errors."""

import asyncio
from pathlib import Path

import pytest

from edge.http.keys import DELIVERY
from tests.helpers.images import GREEN, RED, decode, geometry_png, loader, near, pixel

URL = "/demo/image/upload/c_fill,w_200,h_100/geometry.jpg"


async def test_fill_returns_an_exact_jpeg_with_caching_headers(client):
    response = await client.get(URL)
    assert response.status == 200
    body = await response.read()
    image = decode(body)
    assert (image.width, image.height, loader(body)) == (200, 100, "jpeg")
    assert response.headers["Content-Type"] == "image/jpeg"
    assert int(response.headers["Content-Length"]) == len(body)
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["ETag"].startswith('"') and "Vary" not in response.headers
    assert response.headers["X-Cache"] == "render"
    again = await client.get(URL)
    assert again.headers["X-Cache"] == "memory" and await again.read() == body
    assert again.headers["ETag"] == response.headers["ETag"]


async def test_head_has_the_headers_and_no_body(client):
    get = await client.get(URL)
    head = await client.head(URL)
    assert head.status == 200
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert await head.read() == b""


async def test_if_none_match_gives_304(client):
    etag = (await client.get(URL)).headers["ETag"]
    response = await client.get(URL, headers={"If-None-Match": etag})
    assert response.status == 304 and await response.read() == b""
    assert response.headers["ETag"] == etag
    assert (await client.get(URL, headers={"If-None-Match": f'W/{etag}, "other"'})).status == 304
    assert (await client.get(URL, headers={"If-None-Match": '"something-else"'})).status == 200


async def test_versioned_urls_are_immutable(client):
    response = await client.get("/demo/image/upload/w_100/v1712/geometry.png")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/webp,*/*", "image/webp"),
        ("image/avif;q=0,image/webp", "image/webp"),
        ("*/*", "image/jpeg"),
        ("", "image/jpeg"),
    ],
)
async def test_f_auto_negotiates_and_varies_on_accept(client, accept, media_type):
    response = await client.get("/demo/image/upload/f_auto,w_100/geometry", headers={"Accept": accept})
    assert response.status == 200
    assert response.headers["Content-Type"] == media_type
    assert response.headers["Vary"] == "Accept"
    assert decode(await response.read()).width == 100


async def test_f_auto_keeps_alpha_as_png(client):
    response = await client.get("/demo/image/upload/f_auto,w_100/fixtures/alpha", headers={"Accept": "*/*"})
    assert response.headers["Content-Type"] == "image/png"
    assert decode(await response.read()).hasalpha()


async def test_gravity_over_http(client):
    response = await client.get("/demo/image/upload/c_fill,g_north,w_400,h_100/geometry.png")
    image = decode(await response.read())
    assert near(pixel(image, 50, 50), RED) and near(pixel(image, 350, 50), GREEN)


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/demo/image/upload/w_abc/geometry.jpg", 400, "Invalid width - abc"),
        ("/demo/image/upload/w_abc/v1/geometry.jpg", 400, "Invalid width - abc"),
        ("/demo/image/upload/c_stretch,w_10/geometry.jpg", 400, "Invalid crop - stretch"),
        ("/demo/image/upload/w_10,zz_3/geometry.jpg", 400, "Invalid transformation parameter - zz"),
        ("/demo/image/upload/c_scale,w_9000/geometry.jpg", 400, "Maximum image dimension exceeded - 9000x6750 (max 8192)"),
        ("/demo/image/upload/geometry.exe", 400, "Unsupported format - exe"),
        ("/demo/image/upload/missing.jpg", 404, "Resource not found - missing"),
        ("/other/image/upload/geometry.jpg", 404, "Unknown cloud - other"),
        ("/demo/image/upload/%2e%2e/%2e%2e/etc/passwd", 400, "Invalid public_id"),
        ("/demo/image/upload/..%2f..%2fetc/passwd.jpg", 404, None),
        ("/demo/image/upload/fixtures/bomb.jpg", 413, None),
        ("/demo/image/upload/w_10/fixtures/garbage.jpg", 422, "Unsupported or corrupt image"),
        ("/demo/video/upload/clip.mp4", 404, "Resource not found - clip"),  # videos are served: this one is missing
        ("/demo/files/upload/clip.mp4", 400, "Unsupported resource type - files"),
    ],
)
async def test_errors_carry_a_status_and_x_cld_error(client, path, status, message):
    response = await client.session.get(client.make_url("").with_path(path, encoded=True))
    assert response.status == status, await response.text()
    assert response.headers["X-Cld-Error"]
    if message:
        assert response.headers["X-Cld-Error"] == message
    assert response.headers["Cache-Control"] == "no-store"


async def test_concurrent_requests_for_one_new_derivative_render_once(client):
    url = "/demo/image/upload/c_fill,w_123,h_45/geometry.png"
    responses = await asyncio.gather(*[client.get(url) for _ in range(12)])
    bodies = {await r.read() for r in responses}
    assert [r.status for r in responses] == [200] * 12 and len(bodies) == 1
    sources = sorted(r.headers["X-Cache"] for r in responses)
    assert sources.count("render") == 1
    metrics = await (await client.get("/metrics")).text()
    assert 'edge_renders_total{result="ok"} 1.0' in metrics


async def test_full_queue_answers_429_with_retry_after(client_for, make_settings):
    client = await client_for(make_settings(EDGE_RENDER_WORKERS=1, EDGE_RENDER_QUEUE=0))
    responses = await asyncio.gather(*[client.get(f"/demo/image/upload/c_fill,w_{300 + i},h_200/geometry.png") for i in range(10)])
    statuses = [r.status for r in responses]
    assert 200 in statuses and 429 in statuses
    busy = next(r for r in responses if r.status == 429)
    assert busy.headers["Retry-After"] == "1" and busy.headers["X-Cld-Error"]


async def test_a_replaced_original_is_served_anew(client, storage: Path):
    path = storage / "demo" / "swap.png"
    path.write_bytes(geometry_png(400, 300))
    first = decode(await (await client.get("/demo/image/upload/w_100/swap.png")).read())
    assert near(pixel(first, 10, 10), RED)
    from tests.helpers.images import geometry

    path.write_bytes(geometry(400, 300).flip("horizontal").pngsave_buffer())  # now green top-left
    second = decode(await (await client.get("/demo/image/upload/w_100/swap.png")).read())
    assert near(pixel(second, 10, 10), GREEN)


async def test_disk_tier_serves_after_a_restart(client_for, settings):
    first = await client_for(settings)
    body = await (await first.get(URL)).read()
    await first.close()  # drains the background disk write
    second = await client_for(settings)
    response = await second.get(URL)
    assert response.headers["X-Cache"] == "disk" and await response.read() == body


async def test_ops_endpoints(client):
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.text()).startswith("ready\n")
    await client.get(URL)
    await client.get("/demo/image/upload/w_abc/geometry.jpg")
    metrics = await client.get("/metrics")
    text = await metrics.text()
    assert metrics.headers["Content-Type"].startswith("text/plain")
    for series in (
        'edge_http_requests_total{route="delivery",status="200"} 1.0',
        'edge_http_requests_total{route="delivery",status="400"} 1.0',
        'edge_errors_total{category="transformation"} 1.0',
        'edge_cache_requests_total{result="miss",tier="memory"}',
        "edge_stage_seconds_bucket",
        'edge_stage_seconds_count{stage="render"} 1.0',
        "edge_render_queue_depth 0.0",
        "edge_renders_in_flight 0.0",
        "edge_response_bytes_total",
    ):
        assert series in text, series


async def test_readyz_fails_when_storage_is_gone(client_for, make_settings, tmp_path):
    settings = make_settings()
    client = await client_for(settings)
    import shutil

    shutil.rmtree(settings.storage.folder)
    response = await client.get("/readyz")
    assert response.status == 503


async def test_a_render_past_the_timeout_answers_504(client_for, make_settings, storage):
    import pyvips

    big = (pyvips.Image.gaussnoise(3000, 3000) + 0).cast("uchar").bandjoin([128, 128]).copy(interpretation="srgb")
    (storage / "demo" / "big.png").write_bytes(big.pngsave_buffer(compression=1))
    client = await client_for(make_settings(EDGE_RENDER_TIMEOUT_SECONDS="0.2"))
    response = await client.get("/demo/image/upload/c_scale,w_5000,h_5000/a_33/big.png")
    assert response.status == 504
    assert response.headers["X-Cld-Error"] == "Render took too long"


async def test_repeated_urls_take_the_memo_but_still_vary_on_accept(client_for, make_settings):
    client = await client_for(make_settings(EDGE_STORAGE_REVALIDATE_SECONDS="60"))
    url = "/demo/image/upload/f_auto,w_120/geometry"
    first = await client.get(url, headers={"Accept": "image/webp"})
    second = await client.get(url, headers={"Accept": "image/webp"})
    other = await client.get(url, headers={"Accept": "image/png"})
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("render", "memory")
    assert second.headers["Content-Type"] == "image/webp" and second.headers["Vary"] == "Accept"
    assert other.headers["Content-Type"] == "image/jpeg"
    assert second.headers["ETag"] == first.headers["ETag"] != other.headers["ETag"]
    versioned = await client.get("/demo/image/upload/w_50/v7/geometry.png")
    again = await client.get("/demo/image/upload/w_50/v7/geometry.png")
    assert again.headers["X-Cache"] == "memory" and "immutable" in again.headers["Cache-Control"]
    assert await again.read() == await versioned.read()


async def test_the_memo_holds_no_bytes_past_the_memory_tier(client_for, make_settings):
    client = await client_for(make_settings(EDGE_STORAGE_REVALIDATE_SECONDS="60", EDGE_CACHE_MEMORY_BYTES="1"))
    url = "/demo/image/upload/w_90/geometry.png"
    assert (await client.get(url)).headers["X-Cache"] == "render"
    # Nothing fits a 1-byte memory tier, so the memo cannot answer: the bytes come from disk.
    again = await client.get(url)
    assert again.headers["X-Cache"] in ("disk", "shared", "render") and decode(await again.read()).width == 90
    delivery = client.server.app[DELIVERY]
    assert all(not r.answer.entry.data for r in delivery._recent.values())
