"""Everything the console checks on every request, in one place: security headers (a strict CSP,
no framing), the encrypted session cookie and its idle timeout, the logged-in user, the CSRF
token of every state-changing request, and the role a page needs (`requires`)."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import SESSION_KEY, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from edge.errors import EdgeError
from edge.http.provisioning import ACCOUNTS
from edge.services.accounts_roles import ROLES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "edge_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = ("/console/login", "/console/static/")  # reachable without a session
CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
))


class Forbidden(EdgeError):
    """A console page or action the user's role does not allow, or a request without its CSRF token."""

    status, category, report = 403, "security", False


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    id: str
    email: str
    name: str
    role: str
    all_environments: bool
    environment_ids: tuple[str, ...]

    def can(self, capability: str) -> bool:
        return capability in ROLES.get(self.role, frozenset())


USER = web.RequestKey("console_user", ConsoleUser)


def see_other(location: str) -> web.Response:
    """A 303 returned, not raised: aiohttp-session saves the cookie only on a returned response."""
    return web.Response(status=303, headers={"Location": location})


def session_key(secret_key: str) -> bytes:
    """The cookie's Fernet key: derived from the accounts' secret key (EDGE_SECRET_KEY), with its own label."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"edge-console-sessions", info=b"cookie-v1").derive(
        secret_key.encode()
    )  # raw: EncryptedCookieStorage base64-encodes bytes itself


def sessions(secret_key: str) -> Any:
    """aiohttp-session's middleware over an encrypted cookie: HttpOnly, SameSite=Lax, path /console."""
    storage = EncryptedCookieStorage(
        session_key(secret_key), cookie_name=COOKIE, httponly=True, samesite="Lax", path="/console"
    )
    return session_middleware(storage)


def security_headers(always_secure: bool) -> Any:
    """Outermost: the CSP and friends on every answer (errors included); Secure on the session
    cookie on HTTPS (or always, behind a TLS proxy)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _harden(exc, request.secure or always_secure)
            raise
        _harden(response, request.secure or always_secure)
        return response

    return middleware


def _harden(response: web.StreamResponse, secure: bool) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not response.headers.get("Cache-Control"):
        response.headers["Cache-Control"] = "no-store"
    if secure and COOKIE in response.cookies:
        response.cookies[COOKIE]["secure"] = True


def guard(idle_seconds: float, max_upload_bytes: int) -> Any:
    """After the session middleware: the idle timeout, the user (or a redirect to the login page),
    then the CSRF token of any state-changing request (the login form's too)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in SAFE_METHODS or request.content_type not in FORMS:
            return await checked(request, handler)
        # A form may be as large as an upload: a clone with that limit, whose session (a new one
        # on login) goes back to the request aiohttp-session saves from.
        larger = request.clone(client_max_size=max_upload_bytes)
        try:
            return await checked(larger, handler)
        finally:
            if SESSION_KEY in larger:
                request[SESSION_KEY] = larger[SESSION_KEY]

    async def checked(request: web.Request, handler: Handler) -> web.StreamResponse:
        session = await get_session(request)
        now = time.time()
        if session.get("user_id") and now - float(session.get("seen", 0)) > idle_seconds:
            session.invalidate()
            session = await new_session(request)
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        if request.method not in SAFE_METHODS:
            await check_csrf(request, session["csrf"])
        if request.path.startswith(PUBLIC_PATHS):
            return await handler(request)
        user = await _user(request, session.get("user_id"))
        if user is None:
            session.pop("user_id", None)
            if request.method in SAFE_METHODS:
                return see_other("/console/login")
            raise Forbidden("Log in first")
        session["seen"] = now
        request[USER] = user
        return await handler(request)

    return middleware


async def check_csrf(request: web.Request, expected: str) -> None:
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.content_type in FORMS:
        given = str((await request.post()).get(CSRF_FIELD) or "")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("Missing or invalid CSRF token - reload the page")


async def _user(request: web.Request, user_id: Any) -> ConsoleUser | None:
    """Read again on every request: a user disabled or given another role is so at once."""
    if not user_id:
        return None
    users = request.config_dict[ACCOUNTS].users
    try:
        found = await users.get(str(user_id))
    except EdgeError:
        return None
    if found["status"] != "active":
        return None
    return ConsoleUser(found["id"], found["email"], found["name"], found["role"], found["all_sub_accounts"],
                       tuple(found["sub_account_ids"]))


def requires(capability: str) -> Callable[[Handler], Handler]:
    """The one role check: every console handler carries it (routes.py refuses one that does not).
    `public`: no user needed; `user`: any logged-in user; else a capability of accounts_roles.ROLES."""

    def decorate(handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            user = request.get(USER)
            if capability == "public":
                return await handler(request)
            if user is None or (capability != "user" and not user.can(capability)):
                raise Forbidden(f"Your role may not do this ({capability})")
            return await handler(request)

        checked.capability = capability  # type: ignore[attr-defined]
        return checked

    return decorate
