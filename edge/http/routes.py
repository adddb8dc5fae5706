"""The route table, in the order aiohttp must match it (the API patterns before delivery's catch-all)."""

from __future__ import annotations

from aiohttp import web

from edge.http import admin as admin_http
from edge.http import audit as audit_http
from edge.http import delivery as delivery_http
from edge.http import lists as lists_http
from edge.http import ops
from edge.http import provisioning as provisioning_http
from edge.http import search as search_http
from edge.http import upload as upload_http


def add_api_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", ops.healthz, name="healthz")
    app.router.add_get("/readyz", ops.readyz, name="readyz")
    app.router.add_get("/metrics", ops.metrics, name="metrics")
    # The API routes come first: GET /v1_1/<cloud>/resources/image would also match the delivery
    # pattern; the Admin ones before the Upload one, whose pattern also matches POST folders/<x>.
    provisioning_http.add_routes(app)
    audit_http.add_routes(app)
    search_http.add_routes(app)  # before the Admin routes: POST folders/<path> would take folders/search
    admin_http.add_routes(app)
    upload_http.add_cors(app)
    app.router.add_post("/v1_1/{cloud}/{resource_type}/{action}", upload_http.action, name="upload")


def add_delivery_routes(app: web.Application) -> None:
    """Last: `/<cloud>/<resource_type>/<type>/<rest>` matches nearly everything."""
    app.router.add_get(r"/{cloud}/image/list/{rest:.+}", lists_http.tag_list, name="list")
    app.router.add_get(r"/{cloud}/{resource_type}/{type}/{rest:.+}", delivery_http.deliver, name="delivery")
