"""Changes to stored assets through the Upload API: destroy, rename, explicit, tags, context,
metadata. `apply_edits` is also the Admin API's update: one rule for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from edge.catalog.models import Asset
from edge.errors import InvalidParameter
from edge.services.assets import (
    AssetStore,
    Params,
    describe,
    eager_items,
    parse_context,
    split_list,
    stored_type,
    truthy,
    valid_public_id,
)
from edge.services.credentials import Credentials
from edge.services.notices import Notices, keys_of
from edge.services.upload import eager_results

# The tags, context and metadata endpoints send these but the SDK leaves them out of the signature.
_NON_SIGNABLE = ("notification_url", "batch_id")
_TAG_COMMANDS = ("add", "remove", "replace", "remove_all", "set_exclusive")


def given(params: Params, name: str) -> bool:
    """Upload API (explicit): a parameter counts when it has a value."""
    return bool(params.get(name))


def present(params: Params, name: str) -> bool:
    """Admin API (update): a parameter counts when sent, even empty (it clears)."""
    return name in params


async def apply_edits(store: AssetStore, asset: Asset, params: Params, counts: Callable[[Params, str], bool]) -> Asset:
    """tags replace, context replaces, metadata merges; written only when something changed."""
    changes: dict[str, Any] = {}
    if counts(params, "tags"):
        changes["tags"] = tuple(split_list(params.get("tags")))
    if counts(params, "context"):
        changes["context"] = parse_context(params.get("context"))
    if counts(params, "metadata"):
        changes["metadata"] = {**asset.metadata, **parse_context(params.get("metadata"))}
    if not changes:
        return asset
    asset = replace(asset, **changes)
    await store.catalog.put(asset)
    return asset


class AssetEdits:
    def __init__(self, store: AssetStore, credentials: Credentials, notices: Notices, backup: Callable[[str], bool]) -> None:
        self.store = store
        self.catalog = store.catalog
        self.credentials = credentials
        self.notices = notices
        self._backup = backup  # cloud -> keep a backup of what is destroyed

    async def destroy(self, cloud: str, params: Params) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        public_id = str(params.get("public_id") or "")
        if not public_id:
            raise InvalidParameter("Missing required parameter - public_id")
        type_ = stored_type(params.get("type"))
        asset = await self.catalog.get(cloud, type_, public_id)
        removed = await self.store.destroy(cloud, type_, public_id, backup=self._backup(cloud))
        if removed and asset is not None:
            self.notices.invalidate(params, cloud, keys_of([asset]), "destroy", api_key.secret)
        if removed:
            self.notices.notify(params, {"public_id": public_id, "type": type_, "resource_type": "image"}, api_key, "delete")
        return {"result": "ok" if removed else "not found"}

    async def rename(self, cloud: str, params: Params, base_url: str) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        from_id = str(params.get("from_public_id") or "")
        to_id = valid_public_id(str(params.get("to_public_id") or ""))
        asset = await self.store.existing(cloud, str(params.get("type") or "upload"), from_id)
        moved = await self.store.rename(asset, to_id, overwrite=truthy(params.get("overwrite")))
        # The new id may have served a d_ default: purge it too.
        self.notices.invalidate(params, cloud, keys_of([asset, moved]), "rename", api_key.secret)
        if params.get("context"):
            moved = replace(moved, context={**moved.context, **parse_context(params.get("context"))})
            await self.catalog.put(moved)
        body = describe(moved, base_url, api_key.secret)
        self.notices.notify(params, {"from_public_id": from_id, "to_public_id": to_id, **body}, api_key, "rename")
        return body

    async def explicit(self, cloud: str, params: Params, base_url: str) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        asset = await self.store.existing(cloud, str(params.get("type") or "upload"), str(params.get("public_id") or ""))
        asset = await apply_edits(self.store, asset, params, given)
        body = describe(asset, base_url, api_key.secret)
        eager = eager_items(params.get("eager"))
        if eager:
            body["eager"] = await eager_results(self.store, asset, eager, base_url)
            url = params.get("eager_notification_url") or params.get("notification_url")
            self.notices.notify({"notification_url": url}, body, api_key, "eager")
        return body

    async def tags(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        command = str(params.get("command") or "")
        tags = split_list(params.get("tag"))
        type_ = str(params.get("type") or "upload")
        public_ids = split_list(params.get("public_ids"))
        if command not in _TAG_COMMANDS:
            raise InvalidParameter(f"Invalid command - {command}")
        if command != "remove_all" and not tags:
            raise InvalidParameter("Missing required parameter - tag")
        if command == "set_exclusive":
            for tag in tags:
                page = await self.catalog.list(cloud, type_, tag=tag, max_results=500)
                for other in page.assets:
                    if other.public_id not in public_ids:
                        await self.catalog.put(replace(other, tags=tuple(t for t in other.tags if t != tag)))
        updated = []
        for asset in await self.catalog.get_many(cloud, type_, public_ids):
            await self.catalog.put(replace(asset, tags=_retagged(asset.tags, command, tags)))
            updated.append(asset.public_id)
        return {"public_ids": updated}

    async def context(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        command = str(params.get("command") or "")
        if command not in ("add", "remove_all"):
            raise InvalidParameter(f"Invalid command - {command}")
        values = parse_context(params.get("context"))
        return await self._each(cloud, params, lambda a: replace(a, context={**a.context, **values} if command == "add" else {}))

    async def metadata(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        values = parse_context(params.get("metadata"))
        return await self._each(cloud, params, lambda a: replace(a, metadata={**a.metadata, **values}))

    async def _each(self, cloud: str, params: Params, change: Callable[[Asset], Asset]) -> dict[str, Any]:
        updated = []
        for asset in await self.catalog.get_many(cloud, str(params.get("type") or "upload"), split_list(params.get("public_ids"))):
            await self.catalog.put(change(asset))
            updated.append(asset.public_id)
        return {"public_ids": updated}


def _retagged(current: tuple[str, ...], command: str, tags: list[str]) -> tuple[str, ...]:
    if command in ("add", "set_exclusive"):
        return tuple(dict.fromkeys((*current, *tags)))
    if command == "remove":
        return tuple(t for t in current if t not in tags)
    if command == "replace":
        return tuple(tags)
    return ()
