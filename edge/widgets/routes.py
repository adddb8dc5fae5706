"""GET /widgets/<widget>/all.js (and Cloudinary's `.../global/all.js` shapes), /widgets/static/...,
/widgets/demo. The scripts and files are public and carry `Access-Control-Allow-Origin: *`:
the widgets load their vendored modules with `import()` from the host page's origin."""

from __future__ import annotations

from aiohttp import web

from edge.errors import ResourceNotFound
from edge.widgets.files import StaticFile, WidgetFiles

WIDGET_MAX_AGE = 300  # all.js keeps its URL across releases, as Cloudinary's does: short, with an ETag
STATIC_MAX_AGE = 86400  # vendor folders carry their version in their name


def add_routes(app: web.Application, cloud_name: str) -> None:
    """Before the delivery route: `/widgets/upload-widget/global/all.js` would match its pattern."""
    files = WidgetFiles()

    async def script(request: web.Request) -> web.Response:
        found = await files.widget(request.match_info["widget"])
        if found is None:
            raise ResourceNotFound(f"Unknown widget - {request.match_info['widget']}")
        return _respond(request, found, WIDGET_MAX_AGE)

    async def static(request: web.Request) -> web.Response:
        found = await files.static(request.match_info["path"])
        if found is None:
            raise ResourceNotFound("Unknown widget file")
        return _respond(request, found, STATIC_MAX_AGE)

    async def demo(request: web.Request) -> web.Response:
        found = await files.static("demo.html")
        assert found is not None
        body = found.body.replace(b"{{cloud}}", cloud_name.encode())
        return web.Response(body=body, headers={"Content-Type": found.content_type, "Cache-Control": "no-cache"})

    app.router.add_get("/widgets/{widget}/all.js", script, name="widget")
    app.router.add_get("/widgets/{widget}/global/all.js", script, name="widget_global")
    app.router.add_get("/widgets/{widget}/latest/global/all.js", script, name="widget_latest")
    app.router.add_get("/widgets/static/{path:.+}", static, name="widget_static")
    app.router.add_get("/widgets/demo", demo, name="widget_demo")


def _respond(request: web.Request, found: StaticFile, max_age: int) -> web.Response:
    headers = {
        "ETag": found.etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("If-None-Match") == found.etag:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = found.content_type
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=found.gzipped, headers=headers)
    return web.Response(body=found.body, headers=headers)
