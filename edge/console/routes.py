"""The console's sub-application at /console: its middlewares (outermost first), its Jinja2
environment (autoescape on for every template), its routes, each carrying `requires`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from edge.console import dashboard, library, login
from edge.console.security import Handler, guard, security_headers, sessions
from edge.errors import EdgeError
from edge.services.accounts_crypto import load_secret_key, secret_key_file
from edge.settings import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", "/", dashboard.dashboard, "dashboard"),
    ("GET", "/login", login.login_form, "login_form"),
    ("POST", "/login", login.login, "login"),
    ("POST", "/logout", login.logout, "logout"),
    ("POST", "/environment", login.choose_environment, "environment"),
    ("GET", "/library", library.library, "library"),
    ("GET", "/asset", library.asset, "asset"),
    ("POST", "/asset/tags", library.edit_tags, "asset_tags"),
    ("POST", "/upload", library.upload, "upload"),
    ("GET", "/settings", dashboard.settings, "settings"),
)


def build(settings: Settings) -> web.Application:
    console = settings.console
    app = web.Application()
    cookies: list[Any] = []  # the session middleware, made at start-up (the secret key may be a file to read)

    @web.middleware
    async def session(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await cookies[0](request, handler)

    async def session_storage(app: web.Application) -> Any:
        secret = await asyncio.to_thread(
            load_secret_key, settings.accounts.secret_key.reveal(), secret_key_file(settings.database.url.reveal())
        )
        cookies.append(sessions(secret))
        yield

    app.cleanup_ctx.append(session_storage)
    app.middlewares.extend([
        security_headers(console.secure_cookie), error_pages, session,
        guard(console.idle_seconds, settings.api.max_upload_bytes),
    ])
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        default_helpers=False,
    )
    for method, path, handler, name in ROUTES:
        if not hasattr(handler, "capability"):
            raise TypeError(f"console route {path} has no @requires")
        app.router.add_route(method, path, handler, name=name)
    app.router.add_static("/static", HERE / "static", name="static", append_version=False)
    return app


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An EdgeError is a page (or, for htmx, a fragment) with its status and X-Cld-Error."""
    try:
        return await handler(request)
    except EdgeError as exc:
        if exc.status >= 500:
            log.error("console: %s", exc, exc_info=exc if exc.report else None)
        template = "_error.html" if request.headers.get("HX-Request") == "true" else "error.html"
        context = {"status": exc.status, "message": exc.public_message, "user": None}
        response = aiohttp_jinja2.render_template(template, request, context, status=exc.status)
        response.headers["X-Cld-Error"] = exc.public_message
        return response
