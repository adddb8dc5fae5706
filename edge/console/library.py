"""The Media Library: search the selected environment's assets (the Search API's service), an
asset's page with its tags (edited through the Admin API's `update`), upload (the Upload API's
service, acting as the environment's primary key: the user's role is what authorises it)."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

from aiohttp import web

from edge.console.security import requires, see_other
from edge.console.views import admin, origin, render, selected, signing_secret
from edge.errors import InvalidParameter, NotImplementedHere
from edge.http.keys import CREDENTIALS, UPLOADS
from edge.http.search import SEARCH
from edge.services.intake import Call

PAGE_SIZE = 48
THUMBNAIL = "c_fill,w_240,h_240,f_auto,q_auto"


@requires("view_assets")
async def library(request: web.Request) -> web.StreamResponse:
    found = await _search(request)
    fragment = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "results"
    return await render(request, "_results.html" if fragment else "library.html", found)


async def _search(request: web.Request) -> dict[str, Any]:
    environment, _ = await selected(request)
    search = request.config_dict.get(SEARCH)
    if search is None:
        raise NotImplementedHere("Search is off on this node")
    expression = request.query.get("q", "").strip()
    params: dict[str, Any] = {"expression": expression, "max_results": PAGE_SIZE, "with_field": ["tags"],
                              "sort_by": [{"created_at": "desc"}]}
    if cursor := request.query.get("cursor"):
        params["next_cursor"] = cursor
    body = await search.resources(environment.cloud, params, origin(request), signing_secret(request, environment.cloud))
    for resource in body["resources"]:
        resource["thumbnail"] = thumbnail_url(environment.cloud, resource)
    return {"q": expression, "results": body, "thumbnail_size": 240}


def asset_path(type_: str, public_id: str) -> str:
    return "/console/asset?" + urllib.parse.urlencode({"type": type_, "public_id": public_id})


def thumbnail_url(cloud: str, resource: dict[str, Any]) -> str:
    """A delivery URL of edge itself (same origin: the CSP's img-src 'self')."""
    kind = resource.get("resource_type", "image")
    if kind != "image":
        return ""
    return f"/{cloud}/image/{resource['type']}/{THUMBNAIL}/v{resource['version']}/{resource['public_id']}"


@requires("view_assets")
async def asset(request: web.Request) -> web.StreamResponse:
    environment, _ = await selected(request)
    type_ = request.query.get("type", "upload")
    public_id = request.query.get("public_id", "")
    if not public_id:
        raise InvalidParameter("Missing required parameter - public_id")
    body = await admin(request).resource(
        environment.cloud, type_, public_id, {}, origin(request), signing_secret(request, environment.cloud)
    )
    preview = f"/{environment.cloud}/image/{type_}/c_limit,w_800,h_600,f_auto,q_auto/v{body['version']}/{public_id}"
    return await render(request, "asset.html", {"asset": body, "preview": preview})


@requires("manage_assets")
async def edit_tags(request: web.Request) -> web.StreamResponse:
    environment, _ = await selected(request)
    form = await request.post()
    type_, public_id = str(form.get("type") or "upload"), str(form.get("public_id") or "")
    body = await admin(request).update(
        environment.cloud, type_, public_id, {"tags": str(form.get("tags") or "")}, origin(request),
        signing_secret(request, environment.cloud),
    )
    if request.headers.get("HX-Request") == "true":
        return await render(request, "_tags.html", {"asset": body, "saved": True})
    return see_other(asset_path(type_, public_id))


@requires("upload")
async def upload(request: web.Request) -> web.StreamResponse:
    environment, _ = await selected(request)
    uploads = request.config_dict.get(UPLOADS)
    if uploads is None:
        raise NotImplementedHere("Uploads are off: this node's storage takes no writes")
    form = await request.post()
    file = form.get("file")
    if not isinstance(file, web.FileField):
        raise InvalidParameter("Missing required parameter - file")
    data = await asyncio.get_running_loop().run_in_executor(None, file.file.read)  # a spooled temporary file
    if not data:
        raise InvalidParameter("Empty file")
    options = {k: str(form[k]) for k in ("public_id", "folder", "tags") if form.get(k)}
    options.setdefault("use_filename", "true")
    key = request.config_dict[CREDENTIALS].keyring.primary(environment.cloud)
    body = await uploads.store_image(environment.cloud, Call(key, None, options), data, file.filename or "", origin(request))
    return see_other(asset_path(body["type"], body["public_id"]))
