"""What every page shares: the environments the user may see, the selected one, and `render`
(a template with the user, the environment selector and the CSRF token in its context)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from edge.errors import NotImplementedHere
from edge.http.api_body import base_url
from edge.http.keys import ADMIN, CREDENTIALS
from edge.http.provisioning import ACCOUNTS
from edge.console.security import USER, ConsoleUser
from edge.services.admin import Admin


@dataclass(frozen=True, slots=True)
class Environment:
    id: str
    name: str
    cloud: str


async def environments(request: web.Request, user: ConsoleUser) -> list[Environment]:
    listed = await request.config_dict[ACCOUNTS].environments.list({"enabled": "true"})
    return [
        Environment(e["id"], e["name"], e["cloud_name"]) for e in listed["sub_accounts"]
        if user.all_environments or e["id"] in user.environment_ids
    ]


_SELECTED = web.RequestKey("console_environment", tuple)


async def selected(request: web.Request) -> tuple[Environment, list[Environment]]:
    """The session's environment if the user may still see it, else the first one they may
    (looked up once per request: the handler and the page's selector share it)."""
    if (memo := request.get(_SELECTED)) is not None:
        return memo
    user: ConsoleUser = request[USER]
    found = await environments(request, user)
    if not found:
        raise NotImplementedHere("No product environment you may use")
    wanted = (await get_session(request)).get("cloud")
    request[_SELECTED] = (next((e for e in found if e.cloud == wanted), found[0]), found)
    return request[_SELECTED]


def admin(request: web.Request) -> Admin:
    service = request.config_dict.get(ADMIN)
    if service is None:
        raise NotImplementedHere("The Admin API is off: this node's storage takes no writes")
    return service


def signing_secret(request: web.Request, cloud: str) -> str:
    """The secret the Admin API would sign response fields with: the environment's primary key's."""
    return request.config_dict[CREDENTIALS].keyring.primary(cloud).secret


def origin(request: web.Request) -> str:
    return base_url(request)


async def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    session = await get_session(request)
    user: ConsoleUser | None = request.get(USER)
    common: dict[str, Any] = {"user": user, "csrf": session.get("csrf", ""), "path": request.path}
    if user is not None and "environment" not in context:
        common["environment"], common["environments"] = await selected(request)
    return aiohttp_jinja2.render_template(template, request, {**common, **context}, status=status)
