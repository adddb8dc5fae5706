"""The dashboard: the selected environment's usage, as the Admin API's `usage` reports it; and
the settings page (a first one: upload presets and API key names), for roles with `settings`."""

from __future__ import annotations

from aiohttp import web

from edge.console.security import USER, requires
from edge.console.views import admin, render, selected
from edge.http.provisioning import ACCOUNTS


@requires("user")
async def dashboard(request: web.Request) -> web.StreamResponse:
    environment, _ = await selected(request)
    usage = await admin(request).usage(environment.cloud)
    return await render(request, "dashboard.html", {"usage": usage})


@requires("settings")
async def settings(request: web.Request) -> web.StreamResponse:
    environment, _ = await selected(request)
    presets = await admin(request).presets(environment.cloud)
    keys: list[dict[str, object]] = []
    if request[USER].can("view_keys"):
        described = await request.config_dict[ACCOUNTS].environments.get(environment.id)
        keys = [{"key": k["key"], "enabled": k["enabled"]} for k in described["api_access_keys"]]  # never the secret
    return await render(request, "settings.html", {"presets": presets.get("presets", []), "keys": keys})
