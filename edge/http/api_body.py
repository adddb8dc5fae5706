"""Request bodies of the Upload and Admin APIs -> plain params (query, form, multipart or JSON).

`k[]` keys become lists (the SDK's encoding of arrays). The body is read with our own byte
limit, so the delivery routes keep aiohttp's small `client_max_size` while uploads may be large.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from edge.errors import InvalidParameter, SourceTooLarge
from edge.http.keys import SETTINGS
from edge.services.accounts_live import note_call_params
from edge.services.upload import FileInput

_CHUNK = 256 * 1024


def _add(params: dict[str, Any], key: str, value: Any) -> None:
    if key.endswith("[]"):
        params.setdefault(key[:-2], []).append(value)
    else:
        params[key] = value


@dataclass(frozen=True, slots=True)
class UploadCall:
    """An Upload API call as read: its params and file, the base URL of the answer's links, and the
    chunk headers of the SDK's upload_large (`X-Unique-Upload-Id`, `Content-Range`)."""

    params: dict[str, Any]
    file: FileInput
    base: str
    upload_id: str | None
    content_range: str


async def read_upload(request: web.Request) -> UploadCall:
    params, file = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
    return UploadCall(params, file, base_url(request), request.headers.get("X-Unique-Upload-Id"),
                      request.headers.get("Content-Range", ""))


async def read_params(request: web.Request, max_bytes: int) -> tuple[dict[str, Any], FileInput]:
    params: dict[str, Any] = {}
    for key, value in request.query.items():
        _add(params, key, value)
    file = FileInput()
    if request.content_length is not None and request.content_length > max_bytes:
        raise SourceTooLarge(f"Request too large - over {max_bytes} bytes")
    kind = request.content_type
    if kind == "multipart/form-data":
        file = await _multipart(request, params, max_bytes)
    elif request.can_read_body:
        body = await _read_capped(request, max_bytes)
        if kind == "application/json" and body.strip():
            try:
                decoded = json.loads(body)
            except ValueError:
                raise InvalidParameter("Invalid JSON body") from None
            if not isinstance(decoded, dict):
                raise InvalidParameter("Invalid JSON body - expected an object")
            params.update(decoded)
        elif body:
            for key, value in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                _add(params, key, value)
    if "file" in params and isinstance(params["file"], str):
        file = FileInput(text=params.pop("file"))
    note_call_params(params)  # the names the audit log may record (allow-listed, never a secret)
    return params, file


async def _read_capped(request: web.Request, max_bytes: int) -> bytes:
    data = await request.content.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SourceTooLarge(f"Request too large - over {max_bytes} bytes")
    return data


async def _multipart(request: web.Request, params: dict[str, Any], max_bytes: int) -> FileInput:
    reader = await request.multipart()
    total = 0
    file = FileInput()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        chunks = []
        while chunk := await part.read_chunk(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise SourceTooLarge(f"Request too large - over {max_bytes} bytes")
            chunks.append(chunk)
        data = b"".join(chunks)
        if part.name == "file" and part.filename is not None:
            file = FileInput(data=data, filename=part.filename)
        else:
            _add(params, part.name, data.decode("utf-8", "replace"))
    return file


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"
