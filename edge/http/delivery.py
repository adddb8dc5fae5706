"""GET|HEAD /<cloud>/image/<type>/...: request -> plain values -> Delivery.get -> response."""

from __future__ import annotations

import time

from aiohttp import web

from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.hints import DPR_HEADERS, WIDTH_HEADERS, ClientHints
from edge.http.conditional import respond
from edge.http.keys import CACHE_CONTROL, CREDENTIALS, DELIVERY, METRICS, RAW, SURROGATE_HEADERS, USAGE
from edge.http.raw import respond_raw
from edge.http.video import deliver_video
from edge.signing import AUTH_TOKEN_NAME

# Access to these depends on more than the path (a token, its expiry): browsers may keep
# them, but must ask again; shared caches (a CDN) must not serve them to others.
_GUARDED_CACHE_CONTROL = "private, no-cache"
_HINT_HEADERS = (*DPR_HEADERS, *WIDTH_HEADERS)


async def deliver(request: web.Request) -> web.Response:
    delivery = request.app[DELIVERY]
    metrics = request.app[METRICS]
    raw_path, _, raw_query = request.raw_path.partition("?")
    accept = request.headers.get("Accept", "")
    hint_values = tuple(request.headers.get(name, "") for name in _HINT_HEADERS)
    memo_key = (raw_path, accept, hint_values)
    # The memo only ever holds public `upload` answers (Delivery.get remembers nothing else):
    # their signature is part of the path, which is the memo's key.
    derivative = delivery.recent(memo_key)
    guarded = False
    if derivative is None:
        started = time.perf_counter()
        path = parse_delivery_path(raw_path)
        metrics.observe_stage("parse", time.perf_counter() - started)
        await request.app[CREDENTIALS].check_delivery(path, _token(request, raw_query), request.remote, raw_path)
        guarded = path.delivery_type == "authenticated" or (path.delivery_type == "private" and not path.chain.components)
        if path.resource_type == "raw":
            cache_control = _GUARDED_CACHE_CONTROL if guarded else request.app[CACHE_CONTROL][path.version is not None]
            request.app[CREDENTIALS].known_cloud(path.cloud)
            raw = await request.app[RAW].get(path)
            response = respond_raw(request, raw, cache_control, request.app[SURROGATE_HEADERS])
            sent = response.content_length or 0 if request.method != "HEAD" and response.status in (200, 206) else 0
            metrics.response_bytes.inc(sent)
            _count(request, sent)
            return response
        if path.resource_type == "video":
            request.app[CREDENTIALS].known_cloud(path.cloud)
            cache_control = _GUARDED_CACHE_CONTROL if guarded else request.app[CACHE_CONTROL][path.version is not None]
            return await deliver_video(request, path, cache_control)
        derivative = await delivery.get(path, accept, memo_key, ClientHints.from_headers(request.headers))
    if guarded:
        cache_control = _GUARDED_CACHE_CONTROL
    else:
        cache_control = request.app[CACHE_CONTROL][derivative.versioned or derivative.immutable]
    response = respond(request, derivative, cache_control)
    if derivative.varies:  # dpr_auto, w_auto: a cache in front keys on the hints too, and browsers send them
        response.headers["Vary"] = ", ".join((*(("Accept",) if derivative.negotiated else ()), *derivative.varies))
        response.headers["Accept-CH"] = ", ".join(_HINT_HEADERS)
    if derivative.disposition:
        response.headers["Content-Disposition"] = derivative.disposition
    if derivative.default_image is not None:
        response.headers["X-Edge-Default-Image"] = derivative.default_image
    for header, separator in request.app[SURROGATE_HEADERS]:
        response.headers[header] = separator.join(derivative.surrogate_keys)
    sent = derivative.entry.size if request.method != "HEAD" and response.status == 200 else 0
    metrics.response_bytes.inc(sent)
    _count(request, sent)
    return response


def _count(request: web.Request, sent: int) -> None:
    """Usage: one request and its bytes, in memory (flushed to the catalog in the background)."""
    usage = request.app.get(USAGE)
    if usage is not None:
        usage.delivered(request.match_info["cloud"], sent)


def _token(request: web.Request, raw_query: str) -> str | None:
    """`__cld_token__` from the query (as sent: the hmac covers the escaped text) or a cookie."""
    for pair in raw_query.split("&"):
        name, sep, value = pair.partition("=")
        if sep and name == AUTH_TOKEN_NAME:
            return value
    cookie = request.cookies.get(AUTH_TOKEN_NAME)
    return cookie or None
