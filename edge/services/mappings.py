"""Upload mappings (auto-upload, the lazy migration onto edge): `GET/POST/PUT/DELETE
/upload_mappings` keep (folder, template) pairs; a delivery URL under a mapped folder whose asset
is missing fetches `template` + the rest of the path (through the fetch guard: public addresses
only, the size and time limits of `fetch`), stores it as a real asset (catalog record, version),
then serves the derivative. One fetch per public_id at a time in a process; a second node that
races stores nothing (the first record wins, as an upload without overwrite)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from edge.catalog import mappings as store
from edge.catalog.db import Database
from edge.concurrency.singleflight import SingleFlight
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.grammar.delivery_path import DeliveryPath
from edge.origins.remote import RemoteFetcher
from edge.services.assets import now_iso, valid_public_id
from edge.services.intake import Call
from edge.signing import Keyring

MAX_PAGE = 500
StoreImage = Callable[[str, Call, bytes, str, str], Awaitable[dict[str, Any]]]


def _folder(value: Any) -> str:
    folder = str(value or "").strip("/")
    if not folder:
        raise InvalidParameter("Missing required parameter - folder")
    valid_public_id(folder)  # the same rules as a public_id's segments
    return folder


def _template(value: Any) -> str:
    template = str(value or "").strip()
    parts = urllib.parse.urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameter(f"Invalid template - {template or '(empty)'} (an http or https URL prefix)")
    return template


class UploadMappings:
    """The Admin API's calls."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("folder"):
            folder = _folder(params["folder"])
            template = await store.get(self.db, cloud, folder)
            if template is None:
                raise ResourceNotFound(f"Upload mapping {folder} not found")
            return {"folder": folder, "template": template}
        try:
            limit = max(1, min(int(params.get("max_results") or 10), MAX_PAGE))
        except ValueError:
            raise InvalidParameter(f"Invalid integer - {params.get('max_results')}") from None
        found = await store.list_(self.db, cloud, str(params.get("next_cursor") or ""), limit + 1)
        body: dict[str, Any] = {"mappings": [{"folder": f, "template": t} for f, t in found[:limit]]}
        if len(found) > limit:
            body["next_cursor"] = found[limit - 1][0]
        return body

    async def create(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        folder, template = _folder(params.get("folder")), _template(params.get("template"))
        if not await store.add(self.db, cloud, folder, template, now_iso()):
            raise AlreadyExists(f"Upload mapping {folder} already exists")
        return {"message": "created", "folder": folder}

    async def update(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        folder, template = _folder(params.get("folder")), _template(params.get("template"))
        if not await store.update(self.db, cloud, folder, template):
            raise ResourceNotFound(f"Upload mapping {folder} not found")
        return {"message": "updated"}

    async def delete(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        folder = _folder(params.get("folder"))
        if not await store.delete(self.db, cloud, folder):
            raise ResourceNotFound(f"Upload mapping {folder} not found")
        return {"message": "deleted"}


class AutoUpload:
    """Delivery's hook for a missing original: fetch it from its mapping and store it."""

    def __init__(self, db: Database, fetcher: RemoteFetcher, keyring: Keyring, store_image: StoreImage,
                 max_bytes: int, base_url: str = "") -> None:
        self.db = db
        self.fetcher = fetcher  # the guarded `fetch` client: public addresses only (and exact lifted test pairs)
        self.keyring = keyring
        self.store_image = store_image
        self.max_bytes = max_bytes
        self.base_url = base_url
        self._flights: SingleFlight[bool] = SingleFlight()

    async def fetch_missing(self, path: DeliveryPath) -> bool:
        """True when the asset is now stored (look again); False when no mapping covers it."""
        if path.resource_type != "image" or path.delivery_type != "upload" or path.cloud not in self.keyring.clouds:
            return False
        found = await store.for_path(self.db, path.cloud, path.public_id)
        if found is None:
            return False
        stored, _ = await self._flights.run(
            f"{path.cloud}\0{path.public_id}", lambda: self._fetch_and_store(path, *found)
        )
        return stored

    async def _fetch_and_store(self, path: DeliveryPath, folder: str, template: str) -> bool:
        rest = path.public_id[len(folder) + 1:] + (f".{path.extension}" if path.extension else "")
        url = template + urllib.parse.quote(rest, safe="/")
        try:
            data, name = await self.fetcher.fetch(url, self.max_bytes)
        except InvalidParameter as exc:  # refused address, remote 404...: the asset stays missing
            raise ResourceNotFound(f"Auto-upload failed - {exc.public_message}") from None
        api_key = self.keyring.primary(path.cloud)
        call = Call(api_key, None, {"public_id": path.public_id, "type": "upload", "overwrite": "false"})
        await self.store_image(path.cloud, call, data, name, self.base_url)
        return True
