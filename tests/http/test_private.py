"""`private` and `authenticated` delivery: signed URLs and the SDK's auth_token, built by the SDK."""

from __future__ import annotations

import time
from pathlib import Path

import cloudinary.utils
import pytest

from edge.http.keys import CREDENTIALS, DELIVERY
from tests.helpers.images import decode, geometry_jpeg

SECRET = "edge-secret"  # the default CLOUDINARY_URL: cloudinary://edge:edge-secret@demo
TOKEN_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
OTHER_KEY = "00112233445566778899aabbccddeeff"


def url(public_id: str, **options) -> str:
    """The SDK's URL, as a path on our server."""
    built = cloudinary.utils.cloudinary_url(public_id, cloud_name="demo", api_secret=SECRET, secure=False,
                                            cname="edge.test", **options)[0]
    return built.split("edge.test", 1)[1]


@pytest.fixture
def private_storage(storage: Path) -> Path:
    for kind in ("private", "authenticated"):
        folder = storage / f"demo@image.{kind}" / "docs"
        folder.mkdir(parents=True)
        (folder / "secret.jpg").write_bytes(geometry_jpeg())
    return storage


@pytest.fixture
async def client(client_for, make_settings, private_storage):
    return await client_for(make_settings(EDGE_AUTH_TOKEN_KEYS=TOKEN_KEY, EDGE_STORAGE_REVALIDATE_SECONDS="5"))


async def status(client, path: str, **kwargs) -> int:
    response = await client.get(path, **kwargs)
    await response.read()
    return response.status


async def test_private_originals_need_a_signature_derivatives_do_not(client):
    unsigned = url("docs/secret", type="private", format="jpg")
    response = await client.get(unsigned)
    assert response.status == 401 and response.headers["X-Cld-Error"].startswith("Authentication required")
    response = await client.get(url("docs/secret", type="private", format="jpg", sign_url=True))
    assert response.status == 200 and decode(await response.read()).width == 400
    assert "private" in response.headers["Cache-Control"]
    response = await client.get(url("docs/secret", type="private", format="png", width=50, crop="scale"))
    assert response.status == 200 and decode(await response.read()).width == 50
    assert response.headers["Cache-Control"].startswith("public")
    tampered = url("docs/secret", type="private", format="jpg", sign_url=True).replace("s--", "s--A", 1)
    assert await status(client, tampered) == 401


async def test_private_files_are_not_reachable_as_uploads_or_through_the_store_layout(client):
    assert await status(client, "/demo/image/upload/docs/secret.jpg") == 404
    assert await status(client, "/demo@image.private/image/upload/docs/secret.jpg") == 404
    assert await status(client, "/demo/image/upload/..%2fdemo@image.private/docs/secret.jpg") == 404


async def test_strict_clouds_also_guard_private_derivatives(client_for, make_settings, private_storage):
    client = await client_for(make_settings(EDGE_API_STRICT_CLOUDS="demo"))
    assert await status(client, url("docs/secret", type="private", format="png", width=50, crop="scale")) == 401
    assert await status(client, url("docs/secret", type="private", format="png", width=50, crop="scale", sign_url=True)) == 200


async def test_authenticated_needs_a_signature_or_a_token(client):
    assert await status(client, url("docs/secret", type="authenticated", format="jpg")) == 401
    assert await status(client, url("docs/secret", type="authenticated", format="jpg", width=60, crop="scale")) == 401
    assert await status(client, url("docs/secret", type="authenticated", format="jpg", sign_url=True)) == 200
    with_token = url("docs/secret", type="authenticated", format="jpg", width=60, crop="scale", sign_url=True,
                     auth_token={"key": TOKEN_KEY, "duration": 300})
    assert "__cld_token__=" in with_token and "s--" not in with_token  # the SDK signs with the token only
    response = await client.get(with_token)
    assert response.status == 200 and decode(await response.read()).width == 60
    assert response.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("case", ["expired", "wrong key", "other url", "tampered", "not yet", "other ip"])
async def test_bad_tokens_are_401(client, case):
    options = {"key": TOKEN_KEY, "duration": 300}
    if case == "expired":
        options = {"key": TOKEN_KEY, "expiration": int(time.time()) - 5}
    elif case == "wrong key":
        options = {"key": OTHER_KEY, "duration": 300}
    elif case == "not yet":
        options = {"key": TOKEN_KEY, "start_time": int(time.time()) + 600, "duration": 300}
    elif case == "other ip":
        options = {"key": TOKEN_KEY, "duration": 300, "ip": "10.9.8.7"}
    path = url("docs/secret", type="authenticated", format="jpg", sign_url=True, auth_token=options)
    if case == "other url":
        path = path.replace("docs/secret.jpg", "docs/secret.png")
    elif case == "tampered":
        path = path.replace("exp=", "exp=9")
    response = await client.get(path)
    assert response.status == 401 and response.headers["X-Cld-Error"] == "Invalid or expired token"


async def test_acl_tokens_with_wildcards_in_a_cookie_and_ip_bound(client):
    path = url("docs/secret", type="authenticated", format="jpg", width=70, crop="scale")
    token = cloudinary.utils.generate_auth_token(key=TOKEN_KEY, duration=300, acl="/image/authenticated/*")
    name, _, value = token.partition("=")
    assert await status(client, path, cookies={name: value}) == 200
    demo_wide = cloudinary.utils.generate_auth_token(key=TOKEN_KEY, duration=300, acl="/demo/image/authenticated/*/docs/*")
    assert await status(client, path + "?" + demo_wide) == 200
    elsewhere = cloudinary.utils.generate_auth_token(key=TOKEN_KEY, duration=300, acl="/image/authenticated/other/*")
    assert await status(client, path + "?" + elsewhere) == 401
    for_us = cloudinary.utils.generate_auth_token(key=TOKEN_KEY, duration=300, acl="/*", ip="127.0.0.1")
    assert await status(client, path + "?" + for_us) == 200


async def test_the_memo_never_answers_for_tokens_or_private_originals(client):
    """A token request succeeds; the same path without it, or once the token expired, is refused
    at once, although the bytes sit in memory (the recent-answers memo is for public uploads)."""
    app = client.server.app
    assert app[DELIVERY].recent_seconds == 5
    expires = int(time.time()) + 60
    path = url("docs/secret", type="authenticated", format="jpg", width=80, crop="scale", sign_url=True,
               auth_token={"key": TOKEN_KEY, "expiration": expires})
    bare = path.partition("?")[0]
    for _ in range(2):
        assert await status(client, path) == 200
    assert await status(client, bare) == 401
    credentials = app[CREDENTIALS]
    credentials._clock = lambda: expires + 1  # the token's expiry passes
    assert await status(client, path) == 401
    private_signed = url("docs/secret", type="private", format="jpg", sign_url=True)
    assert await status(client, private_signed) == 200
    assert await status(client, private_signed.replace(private_signed.split("/")[4] + "/", "")) == 401


async def test_tokens_are_refused_when_no_key_is_configured(client_for, make_settings, private_storage):
    client = await client_for(make_settings())
    path = url("docs/secret", type="authenticated", format="jpg", sign_url=True, auth_token={"key": TOKEN_KEY, "duration": 300})
    assert await status(client, path) == 401


async def test_defaults_serve_for_every_type_with_a_header(client):
    response = await client.get(url("docs/missing", type="private", format="png", width=40, crop="scale", default_image="geometry.png"))
    assert response.status == 200 and response.headers["X-Edge-Default-Image"] == "geometry"
    assert decode(await response.read()).width == 40
    path = url("docs/missing", type="authenticated", format="png", default_image="geometry.png", sign_url=True)
    response = await client.get(path)
    assert response.status == 200 and response.headers["X-Edge-Default-Image"] == "geometry"
    response = await client.get(url("docs/secret", type="private", format="jpg", width=40, crop="scale", default_image="geometry.png"))
    assert response.status == 200 and "X-Edge-Default-Image" not in response.headers
    assert await status(client, url("docs/missing", type="authenticated", format="png", default_image="geometry.png")) == 401
