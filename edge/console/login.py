"""Log in (email, password, the TOTP or recovery code when two-factor is on; throttled by the
accounts service), log out, and switch the product environment."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session, new_session

from edge.console.security import USER, requires, see_other
from edge.console.views import environments, render
from edge.errors import InvalidCredentials, RateLimited
from edge.http.provisioning import ACCOUNTS


@requires("public")
async def login_form(request: web.Request) -> web.StreamResponse:
    if (await get_session(request)).get("user_id"):
        return see_other("/console/")
    return await render(request, "login.html", {"email": ""})


@requires("public")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email") or "")
    try:
        user = await request.config_dict[ACCOUNTS].users.login(
            email, str(form.get("password") or ""), str(form.get("code") or "").strip()
        )
    except (InvalidCredentials, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 401
        return await render(request, "login.html", {"email": email, "error": exc.public_message}, status=status)
    csrf = (await get_session(request)).get("csrf")
    session = await new_session(request)  # a fresh session id on login (no fixation)
    session["user_id"], session["csrf"] = user.id, csrf
    session["seen"] = session.created
    return see_other("/console/")


@requires("user")
async def logout(request: web.Request) -> web.StreamResponse:
    (await get_session(request)).invalidate()
    return see_other("/console/login")


@requires("user")
async def choose_environment(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    wanted = str(form.get("cloud") or "")
    if any(e.cloud == wanted for e in await environments(request, request[USER])):
        (await get_session(request))["cloud"] = wanted
    back = str(form.get("next") or "/console/")
    return see_other(back if back.startswith("/console/") else "/console/")
