"""The one middleware: request id, EdgeError -> status + X-Cld-Error, request metrics, the log line
per failure. One layer rather than several: on a cached hit each aiohttp middleware layer is a
measurable share of the request's cost."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from multidict import CIMultiDict

from edge.errors import EdgeError
from edge.http.keys import METRICS
from edge.http.logging import REQUEST_ID, request_id_for

log = logging.getLogger("edge.http")


API_PREFIX = "/v1_1/"
HEADER_MAX_CHARS = 200


def header_safe(text: str, limit: int = HEADER_MAX_CHARS) -> str:
    """`text` as a header value that any client reads: printable ASCII only, at most `limit` chars.

    Messages echo the request (`Invalid crop - <what the URL said>`), and a NUL, CR, LF or DEL in
    a header makes aiohttp drop the connection instead of answering. Everything outside printable
    ASCII is percent-encoded as its UTF-8 bytes, as it was in the URL (`c_scale%00`); a longer
    value is cut and ends in `...`."""
    if text.isascii() and text.isprintable() and len(text) <= limit:
        return text  # the usual case: nothing to copy
    safe = "".join(chr(b) if 0x20 <= b < 0x7F else f"%{b:02X}" for b in text.encode("utf-8", "surrogatepass"))
    if len(safe) <= limit:
        return safe
    head = safe[: limit - 3]
    if "%" in head[-2:]:  # never cut an escape in half
        head = head[: head.rindex("%")]
    return head + "..."


def error_response(status: int, message: str, retry_after: int | None = None, api: bool = False) -> web.Response:
    """Every error answer: the message in X-Cld-Error (made header-safe) and in the body."""
    safe = header_safe(message)
    headers = {"X-Cld-Error": safe, "Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if api:  # the Upload/Admin APIs: the SDK parses {"error": {"message": ...}}; JSON escapes the rest
        return web.json_response({"error": {"message": message}}, status=status, headers=headers)
    return web.Response(status=status, text=safe + "\n", headers=headers)


def as_response(exc: web.HTTPException) -> web.Response:
    """aiohttp's exception as a response of its own (returning the exception is deprecated), its
    headers (Allow, ...) and body kept; an error one says why in X-Cld-Error."""
    headers = CIMultiDict(exc.headers)
    if exc.status >= 400:
        headers["X-Cld-Error"] = header_safe(headers.get("X-Cld-Error", exc.reason))
    return web.Response(status=exc.status, reason=exc.reason, body=exc.body, headers=headers)


@web.middleware
async def errors_and_metrics(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    metrics = request.app[METRICS]
    route = request.match_info.route.name or "other"
    started = time.perf_counter()
    request_id = request_id_for(request.headers.get("X-Request-Id", ""))
    token = REQUEST_ID.set(request_id)
    metrics.requests_in_flight.inc()
    try:
        response = await handler(request)
    except EdgeError as exc:
        metrics.errors.labels(exc.category).inc()
        if exc.report:
            log.error("%s %s -> %d: %s", request.method, request.path, exc.status, exc, exc_info=exc)
        else:
            log.info("%s %s -> %d: %s", request.method, request.path, exc.status, exc)
        response = error_response(exc.status, exc.public_message, exc.retry_after, request.path.startswith(API_PREFIX))
    except web.HTTPException as exc:  # aiohttp's own: 404/405 for unknown routes, 413 for big bodies
        if exc.status >= 400 and request.path.startswith(API_PREFIX):
            response = error_response(exc.status, exc.reason, api=True)
        else:
            response = as_response(exc)
    except Exception:
        metrics.errors.labels("internal").inc()
        log.exception("%s %s -> 500", request.method, request.path)
        response = error_response(500, "Internal error", api=request.path.startswith(API_PREFIX))
    finally:
        metrics.requests_in_flight.dec()
        REQUEST_ID.reset(token)
    response.headers["X-Request-Id"] = request_id
    metrics.requests.labels(route, str(response.status)).inc()
    metrics.request_seconds.labels(route).observe(time.perf_counter() - started)
    return response
