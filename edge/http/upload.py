"""POST /v1_1/<cloud>/<resource_type>/<action>: the Upload API as the SDK calls it (multipart; images only)."""

from __future__ import annotations

from aiohttp import web

from edge.errors import InvalidParameter, NotImplementedHere, ResourceNotFound
from edge.http.api_body import base_url, read_params
from edge.http.keys import SETTINGS, UPLOADS


async def action(request: web.Request) -> web.Response:
    cloud, name = request.match_info["cloud"], request.match_info["action"]
    if request.match_info["resource_type"] != "image":
        raise InvalidParameter(f"Unsupported resource type - {request.match_info['resource_type']} (images only)")
    uploads = request.app.get(UPLOADS)
    if uploads is None:
        raise NotImplementedHere("Uploads are off: this node's storage takes no writes")
    params, file = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
    base = base_url(request)
    upload_id = request.headers.get("X-Unique-Upload-Id")
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
