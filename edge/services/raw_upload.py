"""Raw upload and destroy (`/v1_1/<cloud>/raw/upload|destroy`): bytes stored as sent, under the
public_id with its extension (Cloudinary's raw naming). Not recorded in the catalog: the Admin
API does not list raw files."""

from __future__ import annotations

import secrets
import time
from pathlib import PurePosixPath
from typing import Any

from edge.errors import InvalidParameter, ResourceNotFound
from edge.origins.base import storage_cloud
from edge.services.assets import AssetStore, Params, WritableOrigins, now_iso, random_id, stored_type, valid_public_id
from edge.services.intake import Call, FileInput, Intake, md5_hex, original_filename, public_id_for
from edge.services.notices import Notices
from edge.signing import api_signature


class RawUploads:
    def __init__(self, intake: Intake, store: AssetStore, notices: Notices) -> None:
        self.intake = intake
        self.store = store
        self.notices = notices

    async def upload(self, cloud: str, params: Params, file: FileInput, base_url: str) -> dict[str, Any]:
        return await self.store_raw(cloud, *await self.intake.take(cloud, params, file), base_url)

    async def store_raw(self, cloud: str, call: Call, data: bytes, filename: str, base_url: str) -> dict[str, Any]:
        options, api_key = call.options, call.api_key
        type_ = stored_type(options.get("type"))
        extension = PurePosixPath(filename).suffix.lower() if filename else ""
        public_id = public_id_for(options, filename)
        if not str(options.get("public_id") or "").strip("/") and extension and not public_id.endswith(extension):
            public_id += extension
        public_id = valid_public_id(public_id)
        where = storage_cloud(cloud, "raw", type_)
        exists = await self._exists(where, public_id)
        if exists and not call.overwrite():
            raise InvalidParameter(f"Resource already exists - {public_id}")
        version = int(time.time())
        # `.raw` after the public_id: siblings with another extension are other files, not older formats.
        staged = await self.store.origins.stage(where, public_id, "raw", data, version * 10**9 + secrets.randbelow(10**9))
        await self.store.origins.publish(staged)
        url = f"{base_url}/{cloud}/raw/{type_}/v{version}/{public_id}"
        body = {
            "asset_id": random_id(32), "public_id": public_id, "version": version, "version_id": random_id(32),
            "resource_type": "raw", "type": type_, "bytes": len(data), "created_at": now_iso(), "tags": [],
            "etag": await md5_hex(data), "placeholder": False, "url": url, "secure_url": url,
            "original_filename": original_filename(filename), "api_key": api_key.key,
            "signature": api_signature({"public_id": public_id, "version": str(version)}, api_key.secret, "sha1", 1),
        }
        if exists:
            body["overwritten"] = True
            self.notices.invalidate(options, cloud, [("raw", type_, public_id)], "overwrite", api_key.secret)
        await self.notices.notify(options, body, api_key, "upload")
        return body

    async def _exists(self, where: str, public_id: str) -> bool:
        try:
            await self.store.origins.locate(where, public_id)
        except ResourceNotFound:
            return False
        return True

    async def destroy(self, cloud: str, params: Params) -> dict[str, Any]:
        return await destroy_file(self.intake, self.store.origins, self.notices, cloud, params, "raw")


async def destroy_file(intake: Intake, origins: WritableOrigins, notices: Notices, cloud: str, params: Params,
                       resource_type: str) -> dict[str, Any]:
    """Destroy for the files the catalog does not list (raw, video): the original (and the store's
    lookup of it) removed, then the CDN purge and the notification when there was one."""
    api_key = intake.credentials.check_signed(cloud, params)
    public_id = str(params.get("public_id") or "")
    if not public_id:
        raise InvalidParameter("Missing required parameter - public_id")
    type_ = stored_type(params.get("type"))
    removed = await origins.delete(storage_cloud(cloud, resource_type, type_), public_id)  # forgets the lookup
    if removed:
        notices.invalidate(params, cloud, [(resource_type, type_, public_id)], "destroy", api_key.secret)
        await notices.notify(params, {"public_id": public_id, "type": type_, "resource_type": resource_type}, api_key, "delete")
    return {"result": "ok" if removed else "not found"}
