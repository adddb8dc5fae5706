"""GET|POST /v1_1/<cloud>/image/generate_archive: the SDK's download_zip_url (a signed GET,
mode=download: the ZIP streamed) and create_zip/create_archive (a signed POST, mode=create: JSON)."""

from __future__ import annotations

from aiohttp import web

from edge.errors import NotImplementedHere
from edge.http.api_body import base_url, read_params
from edge.http.keys import ADMIN, SETTINGS


async def generate_archive(request: web.Request) -> web.StreamResponse:
    admin = request.app.get(ADMIN)
    if admin is None:
        raise NotImplementedHere("Archives are off: this node's storage takes no writes")
    archives = admin.archives
    cloud = request.match_info["cloud"]
    params, _ = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
    mode = str(params.get("mode") or ("download" if request.method == "GET" else "create"))
    if mode != "download":
        return web.json_response(await archives.create(cloud, params, base_url(request)))
    archives.authorise(cloud, params)
    response = web.StreamResponse(headers={
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{cloud}-archive.zip"',
        "Cache-Control": "private, no-store",
    })

    async def write(data: bytes) -> None:
        # Prepared at the first bytes: a bad selection is still a plain 400 before then.
        if not response.prepared:
            await response.prepare(request)
        if data:
            await response.write(data)

    await archives.stream(cloud, params, write)
    await response.write_eof()
    return response
