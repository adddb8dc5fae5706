"""The API call context and the audit log.

`api_calls` (a middleware; one `startswith` for delivery requests) gives every /v1_1/ request
its `ApiCall`: the method it calls (what a key's permissions are checked against, in
Credentials) and the client's address. After a change succeeds, it records who, what, when
and from where. `GET /v1_1/<cloud>/audit_log` reads the log (docs/provisioning.md).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from edge.http.api_body import read_params
from edge.http.keys import CREDENTIALS, SETTINGS
from edge.http.provisioning import ACCOUNTS
from edge.services.accounts_audit import SAFE_FIELDS
from edge.services.accounts_live import API_CALL, ApiCall
from edge.services.accounts_roles import admin_method

log = logging.getLogger(__name__)

_API = "/v1_1/"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def method_of(request: web.Request) -> str:
    """The SDK's name for the method a request calls."""
    route = request.match_info.route
    name = route.name or ""
    if name.startswith("provisioning."):
        return name.split(".")[2]
    if name == "upload":
        return request.match_info.get("action", "upload")
    if name == "audit_log":
        return "audit_log"
    canonical = route.resource.canonical if route.resource is not None else ""
    return admin_method(request.method, canonical.removeprefix("/v1_1/{cloud}/"))


@web.middleware
async def api_calls(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    if not request.path.startswith(_API) or ACCOUNTS not in request.app:
        return await handler(request)
    call = ApiCall(method_of(request), request.remote or "")
    token = API_CALL.set(call)
    try:
        response = await handler(request)
    finally:
        API_CALL.reset(token)
    if request.method not in _READS and response.status < 400:
        await _record(request, call, response)
    return response


async def _record(request: web.Request, call: ApiCall, response: web.StreamResponse) -> None:
    details: dict[str, Any] = dict(call.details)  # the call's parameters (read_params) and signed ones
    details.update({k: v for k, v in request.match_info.items() if k not in ("cloud", "account_id")})
    if isinstance(response, web.Response) and response.content_type == "application/json" and response.body:
        try:
            body = json.loads(bytes(response.body))  # type: ignore[arg-type]
        except ValueError:
            body = None
        if isinstance(body, dict):
            details.update({k: body[k] for k in SAFE_FIELDS if k in body and k not in details})
    cloud = call.cloud or request.match_info.get("cloud", "")
    if request.match_info.route.name and request.match_info.route.name.startswith("provisioning."):
        cloud = ""  # account level
    try:
        await request.app[ACCOUNTS].audit.record(cloud, call.actor, call.method, call.client_ip, details)
    except Exception:  # noqa: BLE001  (the change is made: a failed audit write is logged, not a failed call)
        log.exception("audit log: could not record %s by %s", call.method, call.actor)


async def audit_log(request: web.Request) -> web.Response:
    """GET /v1_1/<cloud>/audit_log: the cloud's entries, newest first (Admin API credentials)."""
    cloud = request.match_info["cloud"]
    request.app[CREDENTIALS].check_basic(cloud, request.headers.get("Authorization"))
    params, _ = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
    return web.json_response(await request.app[ACCOUNTS].audit.query(cloud, params))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1_1/{cloud}/audit_log", audit_log, name="audit_log")
