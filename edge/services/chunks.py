"""Chunked uploads (the SDK's upload_large): signed chunks with `Content-Range` and
`X-Unique-Upload-Id`; the chunk that completes the file uploads it whole."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from edge.errors import InvalidParameter, SourceTooLarge
from edge.services.assets import Params, WritableOrigins, random_id
from edge.services.intake import FileInput
from edge.services.raw_upload import RawUploads
from edge.services.upload import Uploads

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class ChunkedUploads:
    def __init__(self, images: Uploads, raw: RawUploads) -> None:
        self.images = images
        self.raw = raw
        self.intake = images.intake
        self.origins = images.store.origins

    async def upload_part(
        self, cloud: str, params: Params, file: FileInput, base_url: str, upload_id: str, content_range: str,
        raw: bool = False,
    ) -> dict[str, Any]:
        call = await self.intake.authorise(cloud, params)
        store = self.raw.store_raw if raw else self.images.store_image
        return await upload_chunk(self.origins, f"{cloud}\0{upload_id}", params, file, content_range,
                                  self.intake.max_bytes, lambda whole: store(cloud, call, whole, file.filename, base_url))


async def upload_chunk(origins: WritableOrigins, upload: str, params: Params, file: FileInput, content_range: str,
                       max_bytes: int, store: Callable[[bytes], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """One chunk of `upload` (already authorised) kept; the chunk that completes the file hands
    the whole of it to `store`, the others answer how far the file has come."""
    match = _CONTENT_RANGE.fullmatch(content_range.strip())
    if match is None or file.data is None:
        raise InvalidParameter("Invalid chunk - expected Content-Range: bytes START-END/TOTAL and a file part")
    start, end, total = (int(g) for g in match.groups())
    if not start <= end < total or len(file.data) != end - start + 1:
        raise InvalidParameter(f"Invalid chunk - {content_range}")
    if total > max_bytes:
        raise SourceTooLarge(f"File size too large - {total} bytes (max {max_bytes})")
    token = hashlib.sha256(upload.encode()).hexdigest()[:32]
    whole = await origins.add_part(token, start, file.data, total)
    if whole is None:  # the SDK reads public_id from each answer and sends it with the next chunk
        return {"done": False, "bytes": end + 1, "public_id": str(params.get("public_id") or random_id(20))}
    return await store(whole)
