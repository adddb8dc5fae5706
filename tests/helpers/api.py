"""Upload API calls from in-process tests, signed as the official SDK signs them."""

from __future__ import annotations

import time
from typing import Any

import cloudinary.utils

from tests.helpers.images import geometry_png

BASE = "http://edge.test"  # the base URL in-process services build answers' URLs from
SECRET = "edge-secret"  # the default CLOUDINARY_URL: cloudinary://edge:edge-secret@demo


def signed(params: dict) -> dict:
    """`params` with a fresh timestamp, the SDK's signature and the default API key."""
    params = {**params, "timestamp": str(int(time.time()))}
    params["signature"] = cloudinary.utils.api_sign_request(params, SECRET)
    params["api_key"] = "edge"
    return params


async def upload(client: Any, public_id: str, **params: Any) -> dict:
    """Upload geometry.png as `public_id` through the aiohttp test client; the API's JSON answer."""
    import aiohttp

    form = aiohttp.FormData(signed({"public_id": public_id, **params}))
    form.add_field("file", geometry_png(), filename="g.png")
    response = await client.post("/v1_1/demo/image/upload", data=form)
    assert response.status == 200, await response.text()
    return await response.json()
