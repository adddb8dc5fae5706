"""rename_folder (`PUT /folders/<from_path>` with `to_folder`): every asset under the folder, of
every type, moves to the same place under the new folder (original and record, as rename does:
a new version, so every derivative of the old path and version is unreachable, and every node
forgets the old lookups). Checked first: when any target public_id is taken, nothing moves."""

from __future__ import annotations

from typing import Any

from edge.catalog.models import Asset
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.services.assets import AssetStore, Params, valid_public_id
from edge.services.notices import Notices
from edge.signing import ApiKey

_PAGE = 500


def _folder(path: str) -> str:
    path = path.strip("/")
    if not path or any(p in ("", ".", "..") or p.startswith(".") for p in path.split("/")):
        raise InvalidParameter(f"Invalid folder - {path or '(empty)'}")
    return path


class FolderMoves:
    def __init__(self, store: AssetStore, notices: Notices) -> None:
        self.store = store
        self.catalog = store.catalog
        self.notices = notices

    async def _assets(self, cloud: str, folder: str) -> list[Asset]:
        found: list[Asset] = []
        cursor = None
        while True:
            page = await self.catalog.list(cloud, None, prefix=folder + "/", max_results=_PAGE, cursor=cursor)
            found += page.assets
            if not page.next_cursor:
                return found
            cursor = page.next_cursor

    async def rename(self, cloud: str, from_path: str, params: Params, api_key: ApiKey) -> dict[str, Any]:
        source, target = _folder(from_path), _folder(str(params.get("to_folder") or ""))
        if target == source or target.startswith(source + "/"):
            raise InvalidParameter(f"Cannot move folder {source} into itself")
        assets = await self._assets(cloud, source)
        created = source in await self.catalog.folders(cloud, source.rpartition("/")[0])
        if not assets and not created:
            raise ResourceNotFound(f"Can't find folder with path {source}")
        moves = [(a, valid_public_id(target + a.public_id[len(source):])) for a in assets]
        for asset, to_id in moves:
            if await self.catalog.get(cloud, asset.type, to_id) is not None:
                raise AlreadyExists(f"Resource already exists - {to_id}")
        for asset, to_id in moves:
            await self.store.rename(asset, to_id, overwrite=False)
        await self.catalog.db.execute(
            "UPDATE folders SET path = CAST($3 AS TEXT) || substr(path, $4) WHERE cloud = $1"
            " AND (path = $2 OR substr(path, 1, $4) = $5)",
            cloud, source, target, len(source) + 1, source + "/",
        )
        body = {"from": {"name": source.rsplit("/", 1)[-1], "path": source},
                "to": {"name": target.rsplit("/", 1)[-1], "path": target}}
        await self.notices.notify(params, {**body, "public_ids": [to_id for _, to_id in moves]}, api_key,
                                  "move_or_rename_asset_folder")
        return body
