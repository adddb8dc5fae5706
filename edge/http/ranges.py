"""Single byte ranges (RFC 9110): `Range` and `If-Range` -> the status and the slice to answer with."""

from __future__ import annotations

import re
from typing import NamedTuple

from aiohttp import web

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Slice(NamedTuple):
    status: int  # 200 (the whole body) or 206 (one range)
    start: int
    end: int  # inclusive


def requested_slice(request: web.Request, etag: str, size: int, headers: dict[str, str]) -> Slice | web.Response:
    """The slice of a body of `size` bytes to send (`Content-Range` added to `headers` for a 206),
    or the 416 answer. No `Range`, an `If-Range` for another version, several ranges or a
    malformed header: the whole body (allowed by RFC 9110)."""
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if wanted is None or (if_range is not None and if_range.strip() != etag):
        return Slice(200, 0, size - 1)
    span = _span(wanted, size)
    if span is None:
        return Slice(200, 0, size - 1)
    start, end = span
    if start >= size or start > end:
        headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers={**headers, "X-Cld-Error": "Range not satisfiable"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Slice(206, start, end)


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
