"""The response for a `raw` file: as stored, safe Content-Type, attachment when risky, byte ranges."""

from __future__ import annotations

import re

from aiohttp import web

from edge.http.conditional import etag_matches
from edge.services.raw import RawFile

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Whatever the type, the browser must not sniff it into something else, nor run it on our origin.
_SAFETY = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


def respond_raw(request: web.Request, raw: RawFile, cache_control: str, surrogate_headers: tuple) -> web.Response:
    headers = {"ETag": raw.etag, "Cache-Control": cache_control, "Accept-Ranges": "bytes", **_SAFETY}
    for header, separator in surrogate_headers:
        headers[header] = separator.join(raw.surrogate_keys)
    if not raw.inline:
        filename = raw.filename.replace('"', "").replace("\\", "")
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag_matches(request.headers.get("If-None-Match"), raw.etag):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = raw.media_type
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if wanted is None or (if_range is not None and if_range.strip() != raw.etag):
        return web.Response(body=raw.data, headers=headers)
    span = _span(wanted, len(raw.data))
    if span is None:  # several ranges or a malformed header: the whole file (allowed by RFC 9110)
        return web.Response(body=raw.data, headers=headers)
    start, end = span
    if start >= len(raw.data) or start > end:
        headers["Content-Range"] = f"bytes */{len(raw.data)}"
        return web.Response(status=416, headers={**headers, "X-Cld-Error": "Range not satisfiable"})
    headers["Content-Range"] = f"bytes {start}-{end}/{len(raw.data)}"
    return web.Response(status=206, body=raw.data[start : end + 1], headers=headers)


def _span(header: str, size: int) -> tuple[int, int] | None:
    """`bytes=a-b`, `bytes=a-`, `bytes=-n` -> inclusive (start, end), clipped; None if not one range."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        return (max(size - length, 0), size - 1) if length else (size, size - 1)
    end = min(int(last), size - 1) if last else size - 1
    return int(first), end
