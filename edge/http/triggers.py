"""Trigger routes of the Admin API: /v1_1/<cloud>/triggers… (JSON bodies, as the SDK sends them)."""

from __future__ import annotations

import re

from aiohttp import web

from edge.http.admin import Call, route

ROUTES: list[tuple[str, str, Call]] = [
    ("GET", "triggers", lambda a, c, p, r, s: a.triggers.list(c, p)),
    ("POST", "triggers", lambda a, c, p, r, s: a.triggers.create(c, p)),
    ("PUT", "triggers/{id}", lambda a, c, p, r, s: a.triggers.update(c, r.match_info["id"], p)),
    ("DELETE", "triggers/{id}", lambda a, c, p, r, s: a.triggers.delete(c, r.match_info["id"])),
]


def add_routes(app: web.Application) -> None:
    for method, path, call in ROUTES:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
        app.router.add_route(method, f"/v1_1/{{cloud}}/{path}", route(call), name=f"admin.{method.lower()}.{slug}")
