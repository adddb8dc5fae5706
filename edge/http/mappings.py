"""Upload mapping routes of the Admin API: /v1_1/<cloud>/upload_mappings (the folder is a
parameter, as the SDK sends it: query on GET, JSON body on POST/PUT/DELETE)."""

from __future__ import annotations

from aiohttp import web

from edge.http.admin import Call, route

ROUTES: list[tuple[str, Call]] = [
    ("GET", lambda a, c, p, r, s: a.mappings.list(c, p)),
    ("POST", lambda a, c, p, r, s: a.mappings.create(c, p)),
    ("PUT", lambda a, c, p, r, s: a.mappings.update(c, p)),
    ("DELETE", lambda a, c, p, r, s: a.mappings.delete(c, p)),
]


def add_routes(app: web.Application) -> None:
    for method, call in ROUTES:
        app.router.add_route(method, "/v1_1/{cloud}/upload_mappings", route(call), name=f"admin.{method.lower()}.upload_mappings")
