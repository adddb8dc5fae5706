"""POST /v1_1/<cloud>/<resource_type>/<action>: the Upload API as the SDK calls it (multipart; images, and raw upload/destroy)."""

from __future__ import annotations

from aiohttp import web

from edge.errors import InvalidParameter, NotImplementedHere, ResourceNotFound
from edge.http import video as video_http
from edge.http.api_body import base_url, read_params
from edge.http.keys import SETTINGS, UPLOADS
from edge.services.upload import FileInput, Uploads


async def action(request: web.Request) -> web.Response:
    cloud, name = request.match_info["cloud"], request.match_info["action"]
    resource_type = request.match_info["resource_type"]
    if resource_type == "video":
        return await video_http.upload_action(request, cloud, name)
    if resource_type not in ("image", "raw"):
        raise InvalidParameter(f"Unsupported resource type - {resource_type} (image, video and raw only)")
    uploads = request.app.get(UPLOADS)
    if uploads is None:
        raise NotImplementedHere("Uploads are off: this node's storage takes no writes")
    params, file = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
    base = base_url(request)
    upload_id = request.headers.get("X-Unique-Upload-Id")
    if resource_type == "raw":
        content_range = request.headers.get("Content-Range", "")
        return web.json_response(await _raw(uploads, cloud, name, params, file, base, upload_id, content_range))
    if name == "upload" and upload_id:
        body = await uploads.upload_part(cloud, params, file, base, upload_id, request.headers.get("Content-Range", ""))
    elif name == "upload":
        body = await uploads.upload(cloud, params, file, base)
    elif name == "destroy":
        body = await uploads.destroy(cloud, params)
    elif name == "rename":
        body = await uploads.rename(cloud, params, base)
    elif name == "explicit":
        body = await uploads.explicit(cloud, params, base)
    elif name == "tags":
        body = await uploads.tags(cloud, params)
    elif name == "context":
        body = await uploads.context(cloud, params)
    elif name == "metadata":
        body = await uploads.metadata(cloud, params)
    else:
        raise ResourceNotFound(f"Unknown action - {name}")
    return web.json_response(body)


async def _raw(uploads: Uploads, cloud: str, name: str, params: dict, file: FileInput, base: str,
               upload_id: str | None, content_range: str) -> dict:
    """raw files: upload (chunked too) and destroy (they are not in the catalog: no rename, tags or explicit)."""
    if name == "upload" and upload_id:
        return await uploads.upload_part(cloud, params, file, base, upload_id, content_range, raw=True)
    if name == "upload":
        return await uploads.upload_raw(cloud, params, file, base)
    if name == "destroy":
        return await uploads.destroy_raw(cloud, params)
    raise InvalidParameter(f"Unsupported for raw files - {name} (upload and destroy only)")
