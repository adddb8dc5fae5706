"""Video at the HTTP level: GET|HEAD /<cloud>/video/<type>/... and POST /v1_1/<cloud>/video/<action>.

Videos are answered from files on disk, in chunks, with single byte ranges (206, 416,
If-Range) so players can seek; thumbnails and animations are image answers. The resources
(transcode pool, video file cache, services) are one cleanup context, `edge.app.video_service`.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from edge.errors import InvalidParameter, NotImplementedHere, ResourceNotFound
from edge.grammar.delivery_path import DeliveryPath
from edge.http.api_body import read_upload
from edge.http.conditional import etag_matches
from edge.http.keys import SURROGATE_HEADERS
from edge.http.ranges import requested_slice
from edge.services.video import VideoAnswer, VideoDelivery
from edge.services.video_upload import VideoUploads

VIDEO = web.AppKey("video", VideoDelivery)
VIDEO_UPLOADS = web.AppKey("video_uploads", VideoUploads)
CHUNK = 256 * 1024
RETRY_AFTER = 5  # seconds, for a 202 while a long transcode runs


async def deliver_video(request: web.Request, path: DeliveryPath, cache_control: str) -> web.StreamResponse:
    answer = await request.app[VIDEO].get(path, request.headers.get("Accept", ""), request.headers.get("User-Agent", ""))
    headers = {"ETag": answer.etag, "Cache-Control": cache_control, "X-Cache": answer.source,
               "Accept-Ranges": "bytes", "Content-Type": answer.media_type}
    for header, separator in request.app[SURROGATE_HEADERS]:
        headers[header] = separator.join(answer.surrogate_keys)
    if answer.negotiated:
        headers["Vary"] = "User-Agent"
    elif answer.still is not None and path.requested_format == "auto":
        headers["Vary"] = "Accept"
    if answer.pending:
        headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store", "Content-Type": "text/plain",
                   "X-Cld-Error": "Video is being processed - retry shortly (or transcode it ahead with eager_async)"}
        return web.Response(status=202, text="Video is being processed\n", headers=headers)
    if etag_matches(request.headers.get("If-None-Match"), answer.etag):
        del headers["Content-Type"]
        return web.Response(status=304, headers=headers)
    size = answer.size if answer.file is not None else len(answer.still.data)  # type: ignore[union-attr]
    chosen = requested_slice(request, answer.etag, size, headers)
    if isinstance(chosen, web.Response):
        return chosen
    status, start, end = chosen
    if answer.still is not None:
        return web.Response(status=status, body=answer.still.data[start : end + 1], headers=headers)
    return await _send_file(request, answer, status, start, end, headers)


async def _send_file(request: web.Request, answer: VideoAnswer, status: int, start: int, end: int,
                     headers: dict[str, str]) -> web.StreamResponse:
    loop = asyncio.get_running_loop()
    assert answer.file is not None
    try:  # opened before the status line goes out: an open file stays readable even if evicted
        handle = await loop.run_in_executor(None, answer.file.open, "rb")
    except FileNotFoundError:
        raise ResourceNotFound("Video evicted from the cache - retry") from None
    with contextlib.closing(handle):
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = end - start + 1
        await response.prepare(request)
        if request.method == "HEAD":
            await response.write_eof()
            return response
        await loop.run_in_executor(None, handle.seek, start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = await loop.run_in_executor(None, handle.read, min(CHUNK, remaining))
            if not chunk:
                break
            await response.write(chunk)
            remaining -= len(chunk)
    await response.write_eof()
    return response


async def upload_action(request: web.Request, cloud: str, name: str) -> web.Response:
    uploads = request.app.get(VIDEO_UPLOADS)
    if uploads is None:
        raise NotImplementedHere("Uploads are off: this node's storage takes no writes")
    call = await read_upload(request)
    if name == "upload" and call.upload_id:
        body = await uploads.upload_part(cloud, call.params, call.file, call.base, call.upload_id, call.content_range)
    elif name == "upload":
        body = await uploads.upload(cloud, call.params, call.file, call.base)
    elif name == "destroy":
        body = await uploads.destroy(cloud, call.params)
    else:
        raise InvalidParameter(f"Unsupported for videos - {name} (upload and destroy only)")
    return web.json_response(body)
