"""GET|HEAD /<cloud>/image/list/<tag>.json: the tagged resources as JSON (see services/lists.py)."""

from __future__ import annotations

from aiohttp import web

from edge.http.conditional import etag_matches
from edge.http.keys import CREDENTIALS, LISTS
from edge.services.lists import parse_list_path


async def tag_list(request: web.Request) -> web.Response:
    cloud = request.match_info["cloud"]
    request.app[CREDENTIALS].known_cloud(cloud)
    tag = parse_list_path(request.raw_path.partition("?")[0].split("/image/list/", 1)[1])
    lists = request.app[LISTS]
    answer = await lists.get(cloud, tag)
    # Public data fetched by pages on other origins (the Product Gallery), as Cloudinary serves it.
    headers = {"ETag": answer.etag, "Cache-Control": f"public, max-age={int(lists.max_age)}", "Access-Control-Allow-Origin": "*"}
    if etag_matches(request.headers.get("If-None-Match"), answer.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(body=answer.body, content_type="application/json", headers=headers)
