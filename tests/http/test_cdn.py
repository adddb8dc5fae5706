"""Surrogate keys on every derivative, the purge hook on invalidate=true, and uploads of the
other delivery types (private, authenticated) through the Upload API."""

from __future__ import annotations

import json

import cloudinary
import cloudinary.utils
import pytest
from aiohttp import web

from edge.http.keys import UPLOADS
from edge.services.purge import cloud_key, surrogate_key
from tests.helpers.api import SECRET, signed, upload
from tests.helpers.images import decode


@pytest.fixture
async def hook(aiohttp_server):
    received: list[tuple[dict, str, str]] = []

    async def purge(request: web.Request) -> web.Response:
        body = await request.text()
        received.append((json.loads(body), request.headers["X-Cld-Timestamp"], request.headers["X-Cld-Signature"], body))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/purge", purge)
    server = await aiohttp_server(app)
    server.received = received
    return server


async def test_derivatives_carry_surrogate_keys_naming_their_assets(client):
    response = await client.get("/demo/image/upload/c_scale,w_50/l_fixtures:alpha/fl_layer_apply/geometry.png")
    assert response.status == 200
    keys = response.headers["Surrogate-Key"].split(" ")
    assert keys == [surrogate_key("demo", "image", "upload", "geometry"),
                    surrogate_key("demo", "image", "upload", "fixtures/alpha"), cloud_key("demo")]
    assert response.headers["Cache-Tag"] == ",".join(keys)
    again = await client.get("/demo/image/upload/c_scale,w_50/l_fixtures:alpha/fl_layer_apply/geometry.png")
    assert again.headers["X-Cache"] == "memory" and again.headers["Surrogate-Key"] == response.headers["Surrogate-Key"]
    missing = await client.get("/demo/image/upload/d_geometry/nothing.png")
    assert missing.headers["X-Edge-Default-Image"] == "geometry"
    assert surrogate_key("demo", "image", "upload", "nothing") in missing.headers["Surrogate-Key"]


async def test_surrogate_headers_are_configurable(client_for, make_settings):
    client = await client_for(make_settings(EDGE_CDN_SURROGATE_KEY_HEADERS="Edge-Tag"))
    response = await client.get("/demo/image/upload/geometry.png")
    assert "Surrogate-Key" not in response.headers and response.headers["Edge-Tag"].startswith("a-")
    client = await client_for(make_settings(EDGE_CDN_SURROGATE_KEY_HEADERS=""))
    response = await client.get("/demo/image/upload/geometry.png")
    assert "Surrogate-Key" not in response.headers and "Cache-Tag" not in response.headers


async def test_purge_hook_on_overwrite_destroy_and_rename_with_invalidate(client_for, make_settings, hook):
    client = await client_for(make_settings(EDGE_CDN_PURGE_URL=f"{hook.make_url('/purge')}"))
    await upload(client, "shoe")
    await upload(client, "shoe")  # overwrite without invalidate: no purge
    await upload(client, "shoe", invalidate="true")
    response = await client.post("/v1_1/demo/image/rename", data=signed(
        {"from_public_id": "shoe", "to_public_id": "boot", "invalidate": "true"}))
    assert response.status == 200, await response.text()
    response = await client.post("/v1_1/demo/image/destroy", data=signed({"public_id": "boot", "invalidate": "true"}))
    assert (await response.json())["result"] == "ok"
    await client.server.app[UPLOADS].notifier.drain()
    reasons = [(payload["reason"], [a["public_id"] for a in payload["assets"]]) for payload, *_ in hook.received]
    assert reasons == [("overwrite", ["shoe"]), ("rename", ["shoe", "boot"]), ("destroy", ["boot"])]
    payload, timestamp, signature, body = hook.received[0]
    assert payload["surrogate_keys"] == [surrogate_key("demo", "image", "upload", "shoe")]
    cloudinary.config(api_secret=SECRET)
    try:
        assert cloudinary.utils.verify_notification_signature(body, int(timestamp), signature, valid_for=600)
    finally:
        cloudinary.reset_config()


async def test_private_and_authenticated_uploads_are_kept_apart(client):
    body = await upload(client, "contract", type="private")
    assert body["type"] == "private" and "/image/private/" in body["url"]
    assert (await client.get("/demo/image/upload/contract.png")).status == 404
    assert (await client.get("/demo/image/private/contract.png")).status == 401
    path = cloudinary.utils.cloudinary_url("contract", type="private", format="png", sign_url=True, cloud_name="demo",
                                           api_secret=SECRET, secure=False, cname="edge.test")[0].split("edge.test")[1]
    response = await client.get(path)
    assert response.status == 200 and decode(await response.read()).width == 400
    await upload(client, "contract", type="authenticated")  # same public_id, another type: another asset
    assert (await client.get("/demo/image/authenticated/w_10/contract.png")).status == 401
    response = await client.post("/v1_1/demo/image/destroy", data=signed({"public_id": "contract", "type": "private"}))
    assert (await response.json())["result"] == "ok"
    assert (await client.get(path)).status == 404
    auth = cloudinary.utils.cloudinary_url("contract", type="authenticated", format="png", sign_url=True, cloud_name="demo",
                                           api_secret=SECRET, secure=False, cname="edge.test")[0].split("edge.test")[1]
    assert (await client.get(auth)).status == 200


async def test_admin_delete_resources_with_invalidate_purges(client_for, make_settings, hook):
    import base64

    client = await client_for(make_settings(EDGE_CDN_PURGE_URL=f"{hook.make_url('/purge')}"))
    await upload(client, "a")
    await upload(client, "b")
    auth = "Basic " + base64.b64encode(b"edge:edge-secret").decode()
    response = await client.delete("/v1_1/demo/resources/image/upload", json={"public_ids": ["a", "b", "zz"], "invalidate": True},
                                   headers={"Authorization": auth})
    assert (await response.json())["deleted"] == {"a": "deleted", "b": "deleted", "zz": "not_found"}
    await client.server.app[UPLOADS].notifier.drain()
    [(payload, *_)] = hook.received
    assert payload["reason"] == "destroy" and [a["public_id"] for a in payload["assets"]] == ["a", "b"]
