"""The Search API routes: `POST /v1_1/<cloud>/resources/search` and `…/folders/search` (HTTP Basic,
as the other Admin API calls), and the SDK's signed search URLs
`GET /<cloud>/search/<sig>/<ttl>/<base64 query>[/<next_cursor>]` (public, cacheable for the ttl)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any

from aiohttp import web

from edge.errors import NotImplementedHere
from edge.http.api_body import base_url, read_params
from edge.http.keys import ADMIN, SETTINGS
from edge.services.search import Search

SEARCH = web.AppKey("search", Search)

Call = Callable[[Search, str, dict[str, Any], str, str], Awaitable[dict[str, Any]]]


def _api(call: Call) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        admin, search = request.app.get(ADMIN), request.app.get(SEARCH)
        if admin is None or search is None:
            raise NotImplementedHere("The Admin API is off: this node's storage takes no writes")
        cloud = request.match_info["cloud"]
        secret, allowance = admin.authorise(cloud, request.headers.get("Authorization"))
        params, _ = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
        response = web.json_response(await call(search, cloud, params, base_url(request), secret))
        if allowance.limit:
            response.headers["X-FeatureRateLimit-Limit"] = str(allowance.limit)
            response.headers["X-FeatureRateLimit-Remaining"] = str(allowance.remaining)
            response.headers["X-FeatureRateLimit-Reset"] = formatdate(allowance.reset_at, usegmt=True)
        return response

    return handle


async def signed(request: web.Request) -> web.Response:
    search = request.app.get(SEARCH)
    if search is None:
        raise NotImplementedHere("The Admin API is off: this node's storage takes no writes")
    m = request.match_info
    body, ttl = await search.signed(
        m["cloud"], m["signature"], m["ttl"], m["query"], m.get("cursor"), base_url(request)
    )
    return web.json_response(body, headers={
        "Cache-Control": f"public, max-age={ttl}",
        "Access-Control-Allow-Origin": "*",  # made to be called from a browser
    })


def add_routes(app: web.Application) -> None:
    """Before the Admin routes (POST folders/<path> would take folders/search) and delivery's."""
    assets = _api(lambda s, c, p, b, k: s.resources(c, p, b, k))
    folders = _api(lambda s, c, p, b, k: s.folders(c, p))
    for method in ("POST", "GET"):
        app.router.add_route(method, "/v1_1/{cloud}/resources/search", assets, name=f"search.{method.lower()}.resources")
        app.router.add_route(method, "/v1_1/{cloud}/folders/search", folders, name=f"search.{method.lower()}.folders")
    app.router.add_get("/{cloud}/search/{signature}/{ttl}/{query}", signed, name="search.signed")
    app.router.add_get("/{cloud}/search/{signature}/{ttl}/{query}/{cursor}", signed, name="search.signed.page")
