"""`/<cloud>/image/list/<tag>.json` as the SDK's client-side lists read it."""

from __future__ import annotations

import cloudinary.utils

from tests.helpers.api import upload


def list_path(tag: str) -> str:
    built = cloudinary.utils.cloudinary_url(tag, type="list", format="json", cloud_name="demo", secure=False, cname="edge.test")[0]
    return built.split("edge.test", 1)[1]


async def test_lists_are_off_unless_enabled(client):
    await upload(client, "red", tags="sale")
    response = await client.get(list_path("sale"))
    assert response.status == 403 and "not enabled" in response.headers["X-Cld-Error"]


async def test_tagged_resources_in_cloudinarys_shape_cached_briefly(client_for, make_settings):
    client = await client_for(make_settings(EDGE_LIST_CLOUDS="demo", EDGE_LIST_MAX_AGE_SECONDS="60"))
    await upload(client, "shoes/red", tags="sale,new", context="alt=Red")
    await upload(client, "shoes/blue", tags="sale")
    await upload(client, "other", tags="new")
    assert list_path("sale") == "/demo/image/list/sale.json"
    response = await client.get(list_path("sale"))
    assert response.status == 200 and response.headers["Cache-Control"] == "public, max-age=60"
    body = await response.json()
    assert sorted(r["public_id"] for r in body["resources"]) == ["shoes/blue", "shoes/red"]
    red = next(r for r in body["resources"] if r["public_id"] == "shoes/red")
    assert red["format"] == "png" and red["width"] == 400 and red["type"] == "upload" and red["context"] == {"custom": {"alt": "Red"}}
    assert "updated_at" in body
    await upload(client, "shoes/green", tags="sale")
    cached = await client.get(list_path("sale"))
    assert len((await cached.json())["resources"]) == 2  # kept for max_age
    again = await client.get(list_path("sale"), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    assert (await client.get(list_path("nothing"))).status == 404
    assert (await client.get("/demo/image/list/w_100/sale.json")).status == 400
    assert (await client.get("/nowhere/image/list/sale.json")).status == 404
