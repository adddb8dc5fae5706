"""POST /v1_1/<cloud>/<resource_type>/<action>: the Upload API as the SDK calls it (multipart; images, and raw upload/destroy)."""

from __future__ import annotations

from aiohttp import web

from edge.errors import InvalidParameter, NotImplementedHere, ResourceNotFound
from edge.http import video as video_http
from edge.http.api_body import read_upload
from edge.http.keys import CHUNKS, EDITS, RAW_UPLOADS, SETTINGS, UPLOADS
from edge.services.edits import AssetEdits
from edge.services.intake import FileInput
from edge.services.raw_upload import RawUploads

UPLOAD_PATH = "/v1_1/{cloud}/{resource_type}/{action}"
_CORS_ROUTES = frozenset({"upload", "upload_preflight"})
# What a browser may send cross-origin: the widget's chunk headers (the SDK's upload_large protocol).
_CORS_REQUEST_HEADERS = "Content-Range, X-Unique-Upload-Id, X-Requested-With"


def add_cors(app: web.Application) -> None:
    """CORS for the Upload API, as Cloudinary answers it: any origin by default (the credentials
    are a signature or an unsigned preset inside the request, never a cookie, so no
    Allow-Credentials), or only the origins in EDGE_API_CORS_ORIGINS."""
    listed = app[SETTINGS].api.cors_origins  # checked at start-up (settings.web_origins)
    any_origin = "*" in listed

    def allowed(request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        return "*" if any_origin else origin if origin in listed else None

    async def preflight(request: web.Request) -> web.Response:
        headers = {"Vary": "Origin"} if not any_origin else {}
        if (origin := allowed(request)) is not None:
            headers |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": _CORS_REQUEST_HEADERS,
                "Access-Control-Max-Age": "600",
            }
        return web.Response(status=204, headers=headers)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        # Every response, errors from the middleware included: cheap to leave for non-CORS requests.
        if "Origin" not in request.headers or request.match_info.route.name not in _CORS_ROUTES:
            return
        if (origin := allowed(request)) is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "X-Cld-Error, X-Request-Id"
        if not any_origin:
            response.headers["Vary"] = "Origin"

    app.router.add_route("OPTIONS", UPLOAD_PATH, preflight, name="upload_preflight")
    app.on_response_prepare.append(on_prepare)


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
    call = await read_upload(request)
    if name == "upload" and call.upload_id:
        body = await request.app[CHUNKS].upload_part(
            cloud, call.params, call.file, call.base, call.upload_id, call.content_range, raw=resource_type == "raw"
        )
    elif resource_type == "raw":
        body = await _raw(request.app[RAW_UPLOADS], cloud, name, call.params, call.file, call.base)
    elif name == "upload":
        body = await uploads.upload(cloud, call.params, call.file, call.base)
    else:
        body = await _edit(request.app[EDITS], cloud, name, call.params, call.base)
    return web.json_response(body)


async def _edit(edits: AssetEdits, cloud: str, name: str, params: dict, base: str) -> dict:
    if name == "destroy":
        return await edits.destroy(cloud, params)
    if name == "rename":
        return await edits.rename(cloud, params, base)
    if name == "explicit":
        return await edits.explicit(cloud, params, base)
    if name == "tags":
        return await edits.tags(cloud, params)
    if name == "context":
        return await edits.context(cloud, params)
    if name == "metadata":
        return await edits.metadata(cloud, params)
    if name in _NOT_DONE:
        raise InvalidParameter(f"Not supported - {name}: {_NOT_DONE[name]}")
    raise ResourceNotFound(f"Unknown action - {name}")


# Upload API actions edge does not do: a clear 400 each (listed in docs/api.md).
_NOT_DONE = {
    "multi": "animated images or PDFs made from tagged images are not generated",
    "explode": "multi-page files are not split into pages",
    "sprite": "CSS sprites are not generated",
    "text": "text images are not generated (use a text overlay, l_text:, in a delivery URL)",
}


async def _raw(raw: RawUploads, cloud: str, name: str, params: dict, file: FileInput, base: str) -> dict:
    """raw files: upload and destroy (they are not in the catalog: no rename, tags or explicit)."""
    if name == "upload":
        return await raw.upload(cloud, params, file, base)
    if name == "destroy":
        return await raw.destroy(cloud, params)
    raise InvalidParameter(f"Unsupported for raw files - {name} (upload and destroy only)")
