"""The API routes in-process: error shapes, body limits, strict transformations."""

from __future__ import annotations

import time

import cloudinary.utils

from edge.http.keys import ADMIN
from tests.helpers.api import SECRET, signed
from tests.helpers.images import decode, geometry_png


async def test_errors_are_json_with_x_cld_error(client):
    response = await client.post("/v1_1/demo/image/upload", data={"file": "x", "api_key": "edge", "signature": "00",
                                                                   "timestamp": str(int(time.time()))})
    assert response.status == 401 and response.headers["X-Cld-Error"].startswith("Invalid Signature")
    assert (await response.json())["error"]["message"].startswith("Invalid Signature")
    response = await client.get("/v1_1/demo/ping")
    assert response.status == 401 and "message" in (await response.json())["error"]
    response = await client.get("/v1_1/demo/no/such/route", auth=None)
    assert response.status >= 400 and "error" in await response.json()  # JSON even off the known routes
    response = await client.post("/v1_1/nowhere/image/upload", data=signed({}))
    assert response.status == 404


async def test_form_body_upload_and_body_on_delete(client):
    import base64

    data_uri = "data:image/png;base64," + base64.b64encode(geometry_png()).decode()
    response = await client.post("/v1_1/demo/image/upload", data={**signed({"public_id": "form"}), "file": data_uri})
    assert response.status == 200, await response.text()
    assert (await response.json())["width"] == 400
    auth = "Basic " + base64.b64encode(b"edge:edge-secret").decode()
    response = await client.delete("/v1_1/demo/resources/image/upload", json={"public_ids": ["form"]},
                                   headers={"Authorization": auth})
    assert (await response.json())["deleted"] == {"form": "deleted"}
    assert (await client.get("/demo/image/upload/form.png")).status == 404


async def test_upload_body_limit_is_for_the_api_only(client_for, make_settings):
    client = await client_for(make_settings(EDGE_API_MAX_UPLOAD_BYTES=1000))
    import aiohttp

    form = aiohttp.FormData(signed({}))
    form.add_field("file", geometry_png(), filename="big.png")
    response = await client.post("/v1_1/demo/image/upload", data=form)
    assert response.status == 413 and "error" in await response.json()


async def test_strict_transformations(client_for, make_settings):
    client = await client_for(make_settings(EDGE_API_STRICT_CLOUDS="demo"))
    assert (await client.get("/demo/image/upload/geometry.png")).status == 200  # no transformation: allowed
    response = await client.get("/demo/image/upload/c_scale,w_50/geometry.png")
    assert response.status == 401 and "strict" in response.headers["X-Cld-Error"]
    signed_url = cloudinary.utils.cloudinary_url("geometry", cloud_name="demo", api_secret=SECRET, sign_url=True,
                                                 width=50, crop="scale", format="png")[0]
    assert (await client.get(signed_url.split("res.cloudinary.com")[1])).status == 200
    admin = client.server.app[ADMIN]
    await admin.create_transformation("demo", {"name": "small", "transformation": "w_50,c_scale", "allowed_for_strict": "true"})
    await admin.create_transformation("demo", {"name": "big", "transformation": "w_300,c_scale"})
    assert (await client.get("/demo/image/upload/c_scale,w_50/geometry.png")).status == 200
    response = await client.get("/demo/image/upload/t_small/geometry.png")
    assert response.status == 200 and decode(await response.read()).width == 50
    assert (await client.get("/demo/image/upload/t_big/geometry.png")).status == 401  # not allowed_for_strict
    assert (await client.get("/demo/image/upload/t_small/a_90/geometry.png")).status == 401


async def test_readyz_reports_the_catalog(client):
    assert (await client.get("/readyz")).status == 200
    from edge.http.keys import UPLOADS

    await client.server.app[UPLOADS].store.catalog.db.close()  # the database goes away
    response = await client.get("/readyz")
    assert response.status == 503 and "catalog" in await response.text()


async def test_upload_from_a_url_with_use_filename(client_for, make_settings, aiohttp_server):
    from aiohttp import web

    async def image(request):
        return web.Response(body=geometry_png(), content_type="image/png")

    origin = web.Application()
    origin.router.add_get("/pics/Summer Day.png", image)
    server = await aiohttp_server(origin)
    client = await client_for(make_settings(EDGE_API_FETCH_ALLOW_PRIVATE="1"))
    url = f"http://127.0.0.1:{server.port}/pics/Summer%20Day.png"
    response = await client.post("/v1_1/demo/image/upload", data={
        **signed({"use_filename": "1", "unique_filename": "0", "folder": "web"}), "file": url})
    body = await response.json()
    assert response.status == 200, body
    assert body["public_id"] == "web/Summer_Day" and body["original_filename"] == "Summer Day"
    assert (await client.get("/demo/image/upload/w_10/web/Summer_Day.jpg")).status == 200
    guarded = await client_for(make_settings())
    response = await guarded.post("/v1_1/demo/image/upload", data={**signed({}), "file": url})
    assert response.status == 400 and "private address" in (await response.json())["error"]["message"]


async def test_a_large_upload_passes_where_delivery_would_refuse_a_body(client):
    import aiohttp
    import pyvips

    noise = pyvips.Image.gaussnoise(1200, 900).cast("uchar").bandjoin([pyvips.Image.gaussnoise(1200, 900).cast("uchar")] * 2)
    data = noise.copy(interpretation="srgb").pngsave_buffer(compression=0)
    assert len(data) > 3_000_000  # far beyond the 64 KiB client_max_size of the app
    form = aiohttp.FormData(signed({"public_id": "big"}))
    form.add_field("file", data, filename="big.png")
    response = await client.post("/v1_1/demo/image/upload", data=form)
    body = await response.json()
    assert response.status == 200, body
    assert (body["width"], body["height"], body["bytes"]) == (1200, 900, len(data))
    import hashlib

    assert body["etag"] == hashlib.md5(data).hexdigest()


async def test_incoming_transformation_and_format_are_applied_before_storing(client):
    import aiohttp

    from tests.helpers.images import decode, loader

    form = aiohttp.FormData(signed({"public_id": "incoming", "transformation": "c_scale,w_100", "format": "webp"}))
    form.add_field("file", geometry_png(), filename="g.png")
    body = await (await client.post("/v1_1/demo/image/upload", data=form)).json()
    assert (body["width"], body["height"], body["format"]) == (100, 75, "webp")
    original = await client.get("/demo/image/upload/incoming")
    assert original.status == 200 and loader(await original.read()) == "webp"
    assert decode(await original.read()).width == 100


async def test_several_clouds_each_with_their_own_keys(client_for, make_settings):
    import aiohttp

    client = await client_for(make_settings(EDGE_API_KEYS="cloudinary://k2:s2@second"))
    params = {"public_id": "pic", "timestamp": str(int(time.time()))}
    params["signature"] = cloudinary.utils.api_sign_request(params, "s2")
    form = aiohttp.FormData({**params, "api_key": "k2"})
    form.add_field("file", geometry_png(), filename="g.png")
    assert (await client.post("/v1_1/second/image/upload", data=form)).status == 200
    assert (await client.get("/second/image/upload/w_20/pic.png")).status == 200
    assert (await client.get("/demo/image/upload/w_20/pic.png")).status == 404  # clouds do not mix
    form = aiohttp.FormData(signed({"public_id": "pic"}))  # demo's key on the second cloud
    form.add_field("file", geometry_png(), filename="g.png")
    response = await client.post("/v1_1/second/image/upload", data=form)
    assert response.status == 401 and "Unknown API key" in (await response.json())["error"]["message"]


async def test_per_cloud_webhook_and_backups(client_for, make_settings, aiohttp_server):
    import asyncio

    import aiohttp
    from aiohttp import web

    from edge.settings import cloud_urls

    assert cloud_urls("https://all, shop=https://s") == {"*": "https://all", "shop": "https://s"}
    received = []

    async def hook(request):
        received.append((dict(request.headers), await request.text()))
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    server = await aiohttp_server(receiver)
    client = await client_for(make_settings(EDGE_API_NOTIFICATION_URL=f"demo=http://127.0.0.1:{server.port}/hook",
                                            EDGE_API_BACKUP_CLOUDS="demo"))
    for _ in range(2):
        form = aiohttp.FormData(signed({"public_id": "twice"}))
        form.add_field("file", geometry_png(), filename="g.png")
        assert (await client.post("/v1_1/demo/image/upload", data=form)).status == 200
    for _ in range(100):
        if len(received) == 2:
            break
        await asyncio.sleep(0.02)
    cloudinary.config(api_secret=SECRET)
    try:
        assert all(cloudinary.utils.verify_notification_signature(b, h["X-Cld-Timestamp"], h["X-Cld-Signature"])
                   for h, b in received) and len(received) == 2
    finally:
        cloudinary.reset_config()
    auth = "Basic " + __import__("base64").b64encode(b"edge:edge-secret").decode()
    details = await (await client.get("/v1_1/demo/resources/image/upload/twice?versions=true",
                                      headers={"Authorization": auth})).json()
    assert [v["restorable"] for v in details["versions"]] == [False, True]
    metrics = await (await client.get("/metrics")).text()
    assert 'edge_webhooks_total{result="delivered"} 2.0' in metrics


async def test_admin_rate_limit_answers_420_with_the_sdk_headers(client_for, make_settings):
    import base64

    client = await client_for(make_settings(EDGE_API_ADMIN_CALLS_PER_HOUR=2))
    auth = {"Authorization": "Basic " + base64.b64encode(b"edge:edge-secret").decode()}
    first = await client.get("/v1_1/demo/ping", headers=auth)
    assert first.headers["X-FeatureRateLimit-Limit"] == "2" and first.headers["X-FeatureRateLimit-Remaining"] == "1"
    assert first.headers["X-FeatureRateLimit-Reset"].endswith("GMT")
    assert (await client.get("/v1_1/demo/ping", headers=auth)).status == 200
    third = await client.get("/v1_1/demo/ping", headers=auth)
    assert third.status == 420 and "Rate Limit" in (await third.json())["error"]["message"]


async def test_delete_all_and_folders(client):
    import base64

    import aiohttp

    auth = {"Authorization": "Basic " + base64.b64encode(b"edge:edge-secret").decode()}
    for name in ("f/a", "f/b", "g"):
        form = aiohttp.FormData(signed({"public_id": name}))
        form.add_field("file", geometry_png(), filename="g.png")
        assert (await client.post("/v1_1/demo/image/upload", data=form)).status == 200
    assert (await client.post("/v1_1/demo/folders/empty/one", headers=auth)).status == 200
    folders = await (await client.get("/v1_1/demo/folders", headers=auth)).json()
    assert [f["path"] for f in folders["folders"]] == ["empty", "f"]
    refused = await client.delete("/v1_1/demo/folders/f", headers=auth)
    assert refused.status == 400 and "not empty" in (await refused.json())["error"]["message"]
    assert (await (await client.delete("/v1_1/demo/folders/empty", headers=auth)).json()) == {"deleted": ["empty"]}
    # a form body on DELETE
    response = await client.delete("/v1_1/demo/resources/image/upload", data={"all": "true"}, headers=auth)
    assert (await response.json())["deleted"] == {"f/a": "deleted", "f/b": "deleted", "g": "deleted"}
    assert (await client.get("/demo/image/upload/f/a.png")).status == 404
    listing = await (await client.get("/v1_1/demo/resources/image", headers=auth)).json()
    assert listing == {"resources": []}


async def test_conditions_on_tags_and_context_read_the_catalog(client):
    import base64

    data_uri = "data:image/png;base64," + base64.b64encode(geometry_png()).decode()
    upload = await client.post("/v1_1/demo/image/upload", data={
        **signed({"public_id": "tagged", "tags": "sale,new", "context": "size=large"}), "file": data_uri})
    assert upload.status == 200, await upload.text()
    chain = "if_!sale!_in_tags,w_100/if_else,w_50/if_end"
    assert decode(await (await client.get(f"/demo/image/upload/{chain}/tagged.png")).read()).width == 100
    by_context = "if_ctx:!size!_eq_!large!,w_80/if_else,w_40/if_end"
    assert decode(await (await client.get(f"/demo/image/upload/{by_context}/tagged.png")).read()).width == 80
    # A new tag set changes the result (the tags are part of the derivative's key).
    retag = await client.post("/v1_1/demo/image/tags", data=signed({"command": "replace", "tag": "old", "public_ids": "tagged"}))
    assert retag.status == 200, await retag.text()
    assert decode(await (await client.get(f"/demo/image/upload/{chain}/tagged.png")).read()).width == 50


async def test_a_failed_start_up_recovery_leaves_no_client_or_catalog_open(make_settings):
    """Start-up and teardown are one list: a context that fails part-way still closes what the
    earlier ones opened (the old api_services leaked its HTTP clients and the catalog)."""
    import gc

    import aiohttp
    import pytest
    from aiohttp import web

    from edge.app import _CATALOG, create_app
    from edge.catalog.models import Asset
    from edge.catalog.store import open_catalog
    from edge.errors import CatalogUnavailable

    settings = make_settings()
    catalog = await open_catalog(settings.database.url.reveal())
    asset = Asset(cloud="demo", public_id="x", asset_id="a", version=1, version_id="v", format="png",
                  width=1, height=1, bytes=1, etag="e", created_at="2026-01-01T00:00:00Z")
    await catalog.begin_write("broken", {"not": "a staged write"}, asset, "2026-01-01T00:00:00Z")  # recovery will fail on it
    await catalog.close()
    before = {id(o) for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession)}
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    with pytest.raises(TypeError):
        await runner.setup()
    await runner.cleanup()
    opened = [o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and id(o) not in before]
    assert len(opened) == 3 and all(session.closed for session in opened)
    with pytest.raises(CatalogUnavailable):
        await app[_CATALOG].check()


async def test_200_concurrent_cold_uploads_and_deliveries_answer_200_or_429_with_retry_after(client_for, make_settings):
    """Bug: the upload probe ran without a render slot, so uploads went round the bounded queue.
    Now every render-pool user waits in it or is told to come back (429 + Retry-After)."""
    import asyncio

    import aiohttp
    import pyvips

    client = await client_for(make_settings(EDGE_RENDER_WORKERS=1, EDGE_RENDER_QUEUE=4))
    image = (pyvips.Image.black(64, 48, bands=3) + [20, 120, 220]).cast("uchar").pngsave_buffer()

    async def upload(i: int):
        form = aiohttp.FormData(signed({"public_id": f"crowd/{i}"}))
        form.add_field("file", image, filename=f"{i}.png", content_type="image/png")
        return await client.post("/v1_1/demo/image/upload", data=form)

    async def deliver(i: int):
        return await client.get(f"/demo/image/upload/c_fill,w_{100 + i},h_50/geometry.png")

    responses = await asyncio.gather(*[upload(i) for i in range(100)], *[deliver(i) for i in range(100)])
    statuses = [r.status for r in responses]
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    assert 429 in statuses[:100] and 200 in statuses[:100]  # uploads too are turned away when the queue is full
    assert all(r.headers.get("Retry-After") for r in responses if r.status == 429)
    for i, response in enumerate(responses[:100]):
        if response.status == 200:  # an acknowledged upload is deliverable
            assert (await client.get(f"/demo/image/upload/crowd/{i}.png")).status == 200
