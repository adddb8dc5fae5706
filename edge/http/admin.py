"""The Admin API routes under /v1_1/<cloud>/ (HTTP Basic api_key:api_secret). JSON or form bodies,
a body on DELETE included; errors as {"error": {"message": …}} (see middleware)."""

from __future__ import annotations

import re
from email.utils import formatdate
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from edge.errors import NotImplementedHere
from edge.http.api_body import base_url, read_params
from edge.http.keys import ADMIN, SETTINGS
from edge.services.admin import Admin

Call = Callable[[Admin, str, dict[str, Any], web.Request, str], Awaitable[dict[str, Any]]]


def route(call: Call) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        admin = request.app.get(ADMIN)
        if admin is None:
            raise NotImplementedHere("The Admin API is off: this node's storage takes no writes")
        cloud = request.match_info["cloud"]
        secret, allowance = admin.authorise(cloud, request.headers.get("Authorization"))
        params, _ = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
        response = web.json_response(await call(admin, cloud, params, request, secret))
        if allowance.limit:  # the headers the SDK reads into rate_limit_allowed/remaining/reset_at
            response.headers["X-FeatureRateLimit-Limit"] = str(allowance.limit)
            response.headers["X-FeatureRateLimit-Remaining"] = str(allowance.remaining)
            response.headers["X-FeatureRateLimit-Reset"] = formatdate(allowance.reset_at, usegmt=True)
        return response

    return handle


def _m(request: web.Request, name: str) -> str:
    return request.match_info[name]


async def _ping(a: Admin, c: str, p: dict[str, Any], r: web.Request, s: str) -> dict[str, Any]:
    return {"status": "ok"}


ROUTES: list[tuple[str, str, Call]] = [
    ("GET", "ping", _ping),
    ("GET", "config", lambda a, c, p, r, s: a.calls.config(c, p)),
    ("DELETE", "derived_resources", lambda a, c, p, r, s: a.calls.delete_derived_resources(c, p)),
    ("POST", "resources/image/publish_resources", lambda a, c, p, r, s: a.calls.publish(c, p)),
    ("GET", "usage", lambda a, c, p, r, s: a.usage(c)),
    ("GET", "usage/{date}", lambda a, c, p, r, s: a.usage(c, _m(r, "date"))),
    ("GET", "resources", lambda a, c, p, r, s: _types()),
    ("GET", "resources/image", lambda a, c, p, r, s: a.list(c, None, p, base_url(r), s)),
    ("GET", "resources/by_asset_ids", lambda a, c, p, r, s: a.list_by_asset_ids(c, p, base_url(r), s)),
    ("POST", "resources/restore", lambda a, c, p, r, s: a.restore_by_asset_ids(c, p, base_url(r), s)),
    ("DELETE", "resources", lambda a, c, p, r, s: a.delete_by_asset_ids(c, p)),
    ("GET", "resources/image/tags/{tag}", lambda a, c, p, r, s: a.list(c, None, p, base_url(r), s, tag=_m(r, "tag"))),
    ("DELETE", "resources/image/tags/{tag}", lambda a, c, p, r, s: a.delete(c, "upload", p, tag=_m(r, "tag"))),
    ("GET", "resources/image/context", lambda a, c, p, r, s: a.list(c, None, p, base_url(r), s, context=True)),
    ("POST", "resources/image/{type}/restore", lambda a, c, p, r, s: a.restore(c, _m(r, "type"), p, base_url(r), s)),
    ("GET", "resources/image/{type}", lambda a, c, p, r, s: a.list(c, _m(r, "type"), p, base_url(r), s)),
    ("DELETE", "resources/image/{type}", lambda a, c, p, r, s: a.delete(c, _m(r, "type"), p)),
    ("GET", "resources/image/{type}/{public_id:.+}",
     lambda a, c, p, r, s: a.resource(c, _m(r, "type"), _m(r, "public_id"), p, base_url(r), s)),
    ("POST", "resources/image/{type}/{public_id:.+}",
     lambda a, c, p, r, s: a.update(c, _m(r, "type"), _m(r, "public_id"), p, base_url(r), s)),
    ("GET", "resources/{asset_id}", lambda a, c, p, r, s: a.resource_by_asset_id(c, _m(r, "asset_id"), p, base_url(r), s)),
    ("GET", "tags/image", lambda a, c, p, r, s: a.tags(c, p)),
    ("GET", "transformations", lambda a, c, p, r, s: _transformation_get(a, c, p)),
    ("POST", "transformations", lambda a, c, p, r, s: a.create_transformation(c, p)),
    ("PUT", "transformations", lambda a, c, p, r, s: a.update_transformation(c, p)),
    ("DELETE", "transformations", lambda a, c, p, r, s: a.delete_transformation(c, p)),
    ("GET", "upload_presets", lambda a, c, p, r, s: a.presets(c)),
    ("POST", "upload_presets", lambda a, c, p, r, s: a.create_preset(c, p)),
    ("GET", "upload_presets/{name}", lambda a, c, p, r, s: a.preset(c, _m(r, "name"))),
    ("PUT", "upload_presets/{name}", lambda a, c, p, r, s: a.update_preset(c, _m(r, "name"), p)),
    ("DELETE", "upload_presets/{name}", lambda a, c, p, r, s: a.delete_preset(c, _m(r, "name"))),
    ("GET", "folders", lambda a, c, p, r, s: a.folders(c)),
    ("GET", "folders/{path:.+}", lambda a, c, p, r, s: a.folders(c, _m(r, "path"))),
    ("POST", "folders/{path:.+}", lambda a, c, p, r, s: a.create_folder(c, _m(r, "path"))),
    ("PUT", "folders/{path:.+}", lambda a, c, p, r, s: a.folder_moves.rename(c, _m(r, "path"), p, a.credentials.keyring.primary(c))),
    ("DELETE", "folders/{path:.+}", lambda a, c, p, r, s: a.delete_folder(c, _m(r, "path"))),
]


async def _types() -> dict[str, Any]:
    return {"resource_types": ["image"]}


async def _transformation_get(a: Admin, cloud: str, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("transformation"):
        return await a.transformation(cloud, str(params["transformation"]))
    return await a.transformations(cloud)


def add_routes(app: web.Application) -> None:
    for method, path, call in ROUTES:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
        app.router.add_route(method, f"/v1_1/{{cloud}}/{path}", route(call), name=f"admin.{method.lower()}.{slug}")
