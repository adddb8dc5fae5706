"""CORS on the Upload API: any origin by default, as Cloudinary answers; EDGE_API_CORS_ORIGINS restricts it."""

from __future__ import annotations

import io

import pytest

from tests.helpers.api import signed
from tests.helpers.images import geometry_png

PREFLIGHT = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-range, x-unique-upload-id"}


async def test_preflight_allows_any_origin_without_credentials(client):
    response = await client.options("/v1_1/demo/image/upload", headers=PREFLIGHT)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-range", "x-unique-upload-id"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_signed_upload_and_refusals_carry_cors_headers(client):
    data = dict(signed({"public_id": "cors/one"}), file=io.BytesIO(geometry_png()))
    response = await client.post("/v1_1/demo/image/upload", data=data, headers={"Origin": "https://shop.example"})
    assert response.status == 200 and (await response.json())["public_id"] == "cors/one"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Cld-Error" in response.headers["Access-Control-Expose-Headers"]
    refused = await client.post("/v1_1/demo/image/upload", data={"upload_preset": "missing", "file": io.BytesIO(geometry_png())},
                                headers={"Origin": "https://shop.example"})
    assert refused.status == 400 and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert (await refused.json()) == {"error": {"message": "Upload preset not found - missing"}}


async def test_unsigned_needs_an_unsigned_preset(client):
    response = await client.post("/v1_1/demo/image/upload", data={"file": io.BytesIO(geometry_png())}, headers={"Origin": "https://x.example"})
    assert response.status == 400
    assert (await response.json())["error"]["message"] == "Upload preset must be specified when using unsigned upload"


async def test_the_admin_api_and_delivery_get_no_cors(client):
    for response in (await client.get("/v1_1/demo/resources/image", headers={"Origin": "https://shop.example"}),
                     await client.get("/demo/image/upload/geometry.png", headers={"Origin": "https://shop.example"})):
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_restricted_origins(client_for, make_settings):
    client = await client_for(make_settings(EDGE_API_CORS_ORIGINS="https://shop.example, http://127.0.0.1:3000/"))
    for origin in ("https://shop.example", "http://127.0.0.1:3000"):
        response = await client.options("/v1_1/demo/image/upload", headers=dict(PREFLIGHT, Origin=origin))
        assert response.headers["Access-Control-Allow-Origin"] == origin and response.headers["Vary"] == "Origin"
    other = await client.options("/v1_1/demo/image/upload", headers=dict(PREFLIGHT, Origin="https://evil.example"))
    assert other.status == 204 and "Access-Control-Allow-Origin" not in other.headers
    posted = await client.post("/v1_1/demo/image/upload", data={"file": io.BytesIO(geometry_png())}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in posted.headers and posted.headers["Vary"] == "Origin"


def test_the_origins_setting_is_checked_at_start_up():
    from edge.errors import SettingsError
    from edge.settings import Settings

    assert Settings.load({}).api.cors_origins == frozenset({"*"})
    parsed = Settings.load({"EDGE_API_CORS_ORIGINS": "https://shop.example/, http://127.0.0.1:3000"}).api.cors_origins
    assert parsed == frozenset({"https://shop.example", "http://127.0.0.1:3000"})
    with pytest.raises(SettingsError, match="EDGE_API_CORS_ORIGINS"):
        Settings.load({"EDGE_API_CORS_ORIGINS": "shop.example"})  # no scheme: it would never match an Origin
