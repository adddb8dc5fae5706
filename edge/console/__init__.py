"""The web console at /console: server-rendered pages (aiohttp-jinja2, htmx) over the same
services as the Upload, Admin and Search APIs. An HTTP-level package (docs/console.md).

Pages are modules (`login`, `library`, `dashboard`); `security` holds every check (CSP,
session, idle timeout, CSRF, roles); `routes` wires them into a sub-application.
"""

from __future__ import annotations

from aiohttp import web

from edge.console.routes import build
from edge.settings import Settings


def add_routes(app: web.Application, settings: Settings) -> None:
    """Before the delivery routes (`/console/...` would match their patterns). Off: no routes at all."""
    if not settings.console.enabled:
        return
    async def to_console(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/console/")

    app.router.add_get("/console", to_console, name="console_root")
    app.add_subapp("/console", build(settings))


__all__ = ["add_routes"]
