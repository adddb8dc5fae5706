"""The response for a `raw` file: as stored, safe Content-Type, attachment when risky, byte ranges."""

from __future__ import annotations

from aiohttp import web

from edge.http.conditional import etag_matches
from edge.http.ranges import requested_slice
from edge.services.raw import RawFile

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
    chosen = requested_slice(request, raw.etag, len(raw.data), headers)
    if isinstance(chosen, web.Response):
        return chosen
    status, start, end = chosen
    return web.Response(status=status, body=raw.data[start : end + 1], headers=headers)
