"""Structured metadata routes of the Admin API: /v1_1/<cloud>/metadata_fields… and metadata_rules…
(JSON bodies, as the SDK's call_metadata_api sends them). Registered before the other Admin
routes: `metadata_fields/order` would also match `metadata_fields/{external_id}`."""

from __future__ import annotations

import re

from aiohttp import web

from edge.http.admin import Call, route


def _m(request: web.Request, name: str) -> str:
    return request.match_info[name]


ROUTES: list[tuple[str, str, Call]] = [
    ("GET", "metadata_fields", lambda a, c, p, r, s: a.metadata.fields(c)),
    ("POST", "metadata_fields", lambda a, c, p, r, s: a.metadata.add_field(c, p)),
    ("PUT", "metadata_fields/order", lambda a, c, p, r, s: a.metadata.order_fields(c, p)),
    ("GET", "metadata_fields/{id}", lambda a, c, p, r, s: a.metadata.field(c, _m(r, "id"))),
    ("PUT", "metadata_fields/{id}", lambda a, c, p, r, s: a.metadata.update_field(c, _m(r, "id"), p)),
    ("DELETE", "metadata_fields/{id}", lambda a, c, p, r, s: a.metadata.delete_field(c, _m(r, "id"))),
    ("PUT", "metadata_fields/{id}/datasource", lambda a, c, p, r, s: a.metadata.update_datasource(c, _m(r, "id"), p)),
    ("DELETE", "metadata_fields/{id}/datasource",
     lambda a, c, p, r, s: a.metadata.set_entries_state(c, _m(r, "id"), p, "inactive")),
    ("POST", "metadata_fields/{id}/datasource_restore",
     lambda a, c, p, r, s: a.metadata.set_entries_state(c, _m(r, "id"), p, "active")),
    ("POST", "metadata_fields/{id}/datasource/order", lambda a, c, p, r, s: a.metadata.order_datasource(c, _m(r, "id"), p)),
    ("GET", "metadata_rules", lambda a, c, p, r, s: a.metadata.rules(c)),
    ("POST", "metadata_rules", lambda a, c, p, r, s: a.metadata.put_rule(c, p)),
    ("PUT", "metadata_rules/{id}", lambda a, c, p, r, s: a.metadata.put_rule(c, p, _m(r, "id"))),
    ("DELETE", "metadata_rules/{id}", lambda a, c, p, r, s: a.metadata.delete_rule(c, _m(r, "id"))),
]


def add_routes(app: web.Application) -> None:
    for method, path, call in ROUTES:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
        app.router.add_route(method, f"/v1_1/{{cloud}}/{path}", route(call), name=f"admin.{method.lower()}.{slug}")
