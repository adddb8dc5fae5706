"""HTTP caching for derivatives: strong ETag, If-None-Match -> 304, Cache-Control, Vary: Accept."""

from __future__ import annotations

from aiohttp import web

from edge.services.delivery import Derivative

STALE_MAX_AGE = 10


def cache_control(versioned: bool, max_age: int, versioned_max_age: int) -> str:
    if versioned:  # the URL changes when the original does: safe to keep forever
        return f"public, max-age={versioned_max_age}, immutable"
    return f"public, max-age={max_age}"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def respond(request: web.Request, derivative: Derivative, cache_control_value: str) -> web.Response:
    if derivative.source == "stale":  # the origin failed: let caches come back soon for the fresh one
        cache_control_value = f"public, max-age={STALE_MAX_AGE}"
    headers = {"ETag": derivative.etag, "Cache-Control": cache_control_value, "X-Cache": derivative.source}
    if derivative.negotiated:
        headers["Vary"] = "Accept"
    if etag_matches(request.headers.get("If-None-Match"), derivative.etag):
        return web.Response(status=304, headers=headers)
    entry = derivative.entry
    headers["Content-Type"] = entry.media_type
    return web.Response(body=entry.data, headers=headers)
