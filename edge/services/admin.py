"""The Admin API (`/v1_1/<cloud>/…`, HTTP Basic): listing, details, updates, deletes, restore,
named transformations, upload presets, folders, usage. Values in, the SDK's dicts out."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from edge.catalog.models import Asset, NamedTransformation, UploadPreset
from edge.catalog.store import Catalog
from edge.errors import AlreadyExists, InvalidParameter, RateLimited, ResourceNotFound
from edge.grammar.chain import parse_chain
from edge.services.assets import (
    AssetStore,
    Params,
    derived_url,
    describe,
    eager_items,
    now_iso,
    random_id,
    split_list,
    truthy,
)
from edge.services.credentials import Credentials
from edge.services.edits import apply_edits, present
from edge.services.notices import Notices

_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
# Upload API parameters that describe the call, not the preset.
_PRESET_EXCLUDED = {"timestamp", "name", "unsigned", "api_key", "signature", "live"}
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Allowance:
    limit: int  # 0 = unlimited
    remaining: int
    reset_at: float  # epoch seconds


class HourlyLimit:
    """Calls per API key per clock hour, in this process (as Cloudinary's Admin API limit; 0 = none)."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.time) -> None:
        self.per_hour = per_hour
        self._clock = clock
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}

    def take(self, cloud: str, key: str) -> Allowance:
        now = self._clock()
        hour = int(now // 3600)
        reset_at = (hour + 1) * 3600.0
        if not self.per_hour:
            return Allowance(0, 0, reset_at)
        window, used = self._windows.get((cloud, key), (hour, 0))
        used = used + 1 if window == hour else 1
        self._windows[(cloud, key)] = (hour, used)
        if used > self.per_hour:
            raise RateLimited(f"Rate Limit Exceeded - {self.per_hour} calls per hour")
        return Allowance(self.per_hour, self.per_hour - used, reset_at)


class Admin:
    def __init__(
        self,
        store: AssetStore,
        credentials: Credentials,
        definitions_changed: Callable[[str], Awaitable[None]],
        notices: Notices,
        renders: Callable[[], float] = lambda: 0.0,
        limit: HourlyLimit | None = None,
    ) -> None:
        self.store = store
        self.catalog: Catalog = store.catalog
        self.credentials = credentials
        # After a change to named transformations: every process and node reloads the cloud's
        # definitions (this one before the call returns), so delivery and strict rules see it.
        self.definitions_changed = definitions_changed
        self.notices = notices
        self._renders = renders
        self.limit = limit or HourlyLimit(0)

    def authorise(self, cloud: str, authorization: str | None) -> tuple[str, Allowance]:
        """The secret of the key used (it signs response fields) and what is left of its allowance."""
        api_key = self.credentials.check_basic(cloud, authorization)
        return api_key.secret, self.limit.take(cloud, api_key.key)

    # -- ping, usage ----------------------------------------------------------------------------

    async def usage(self, cloud: str) -> dict[str, Any]:
        assets, stored, derived = await self.catalog.usage(cloud)
        return {
            "plan": "edge",
            "last_updated": datetime.date.today().isoformat(),
            "resources": assets,
            "derived_resources": derived,
            "storage": {"usage": stored},
            "transformations": {"usage": int(self._renders())},
            "requests": int(self._renders()),
        }

    # -- listing --------------------------------------------------------------------------------

    async def list(self, cloud: str, type_: str | None, params: Params, base_url: str, secret: str,
                   *, tag: str | None = None, context: bool = False) -> dict[str, Any]:
        if params.get("public_ids"):
            assets = await self.catalog.get_many(cloud, type_ or "upload", split_list(params.get("public_ids")))
            return {"resources": [self._listed(a, params, base_url, secret) for a in assets]}
        if context and not params.get("key"):
            raise InvalidParameter("Missing required parameter - key")
        direction = str(params.get("direction") or "asc").lower()
        page = await self.catalog.list(
            cloud,
            type_,
            prefix=str(params.get("prefix") or ""),
            tag=tag,
            context_key=str(params["key"]) if context else None,
            context_value=str(params["value"]) if context and params.get("value") is not None else None,
            max_results=_int(params.get("max_results"), 10),
            cursor=str(params.get("next_cursor") or "") or None,
            descending=direction in ("desc", "-1"),
            start_at=str(params.get("start_at") or "") or None,
        )
        body: dict[str, Any] = {"resources": [self._listed(a, params, base_url, secret) for a in page.assets]}
        if page.next_cursor:
            body["next_cursor"] = page.next_cursor
        return body

    def _listed(self, asset: Asset, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        body = describe(asset, base_url, secret, with_signature=False)
        if not truthy(params.get("tags")):
            body.pop("tags", None)
        if not truthy(params.get("context")):
            body.pop("context", None)
        if not truthy(params.get("metadata")):
            body.pop("metadata", None)
        return body

    async def resource(self, cloud: str, type_: str, public_id: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        asset = await self.store.existing(cloud, type_, public_id)
        body = describe(asset, base_url, secret, with_signature=False)
        body["derived"] = [
            {"transformation": d.transformation, "format": d.format, "bytes": d.bytes,
             "id": f"{asset.asset_id}-{d.transformation}-{d.format}",
             "url": derived_url(asset, d, base_url), "secure_url": derived_url(asset, d, base_url)}
            for d in await self.catalog.derived(cloud, type_, public_id)
        ]
        if truthy(params.get("versions")):
            revisions = await self.catalog.revisions(cloud, type_, public_id)
            body["versions"] = [
                {"version_id": asset.version_id, "version": asset.version, "format": asset.format, "size": asset.bytes,
                 "time": asset.created_at, "restorable": False},
                *({"version_id": r.version_id, "version": r.version, "format": r.format, "size": r.bytes,
                   "time": r.created_at, "restorable": True} for r in revisions),
            ]
        return body

    async def update(self, cloud: str, type_: str, public_id: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        asset = await self.store.existing(cloud, type_, public_id)
        asset = await apply_edits(self.store, asset, params, present)
        return describe(asset, base_url, secret, with_signature=False)

    async def tags(self, cloud: str, params: Params) -> dict[str, Any]:
        names, cursor = await self.catalog.tags(
            cloud, str(params.get("prefix") or ""), _int(params.get("max_results"), 10), str(params.get("next_cursor") or "") or None
        )
        return {"tags": names, **({"next_cursor": cursor} if cursor else {})}

    # -- deleting and restoring -----------------------------------------------------------------

    async def delete(self, cloud: str, type_: str, params: Params, *, tag: str | None = None) -> dict[str, Any]:
        if tag is not None:
            page = await self.catalog.list(cloud, None, tag=tag, max_results=MAX_PAGE)
            targets = [(a.type, a.public_id) for a in page.assets]
        elif params.get("public_ids"):
            targets = [(type_, p) for p in split_list(params.get("public_ids"))]
            page = None
        elif params.get("prefix") or truthy(params.get("all")):
            page = await self.catalog.list(cloud, type_, prefix=str(params.get("prefix") or ""), max_results=MAX_PAGE,
                                           cursor=str(params.get("next_cursor") or "") or None)
            targets = [(a.type, a.public_id) for a in page.assets]
        else:
            raise InvalidParameter("Missing required parameter - public_ids, prefix or all")
        transformations = [t for t, _ in eager_items(params.get("transformations"))] or None
        keep_original = truthy(params.get("keep_original"))
        deleted: dict[str, str] = {}
        counts: dict[str, dict[str, int]] = {}
        for kind, public_id in targets:
            derived = await self.catalog.derived(cloud, kind, public_id)
            if keep_original:
                await self.catalog.clear_derived(cloud, kind, public_id, transformations)
                gone = [d for d in derived if transformations is None or d.transformation in transformations]
                deleted[public_id] = "deleted" if gone else "not_found"
                counts[public_id] = {"original": 0, "derived": len(gone)}
                continue
            removed = await self.store.destroy(cloud, kind, public_id, backup=False)
            deleted[public_id] = "deleted" if removed else "not_found"
            counts[public_id] = {"original": int(removed), "derived": len(derived)}
        gone_ids = [(kind, public_id) for kind, public_id in targets if deleted.get(public_id) == "deleted"]
        if gone_ids:
            secret = self.credentials.keyring.primary(cloud).secret
            self.notices.invalidate(params, cloud, [("image", kind, public_id) for kind, public_id in gone_ids], "destroy", secret)
        body: dict[str, Any] = {"deleted": deleted, "deleted_counts": counts, "partial": False}
        if page is not None and page.next_cursor:
            body["next_cursor"] = page.next_cursor
            body["partial"] = True
        return body

    async def restore(self, cloud: str, type_: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        public_ids = split_list(params.get("public_ids"))
        versions = split_list(params.get("versions"))
        body: dict[str, Any] = {}
        for index, public_id in enumerate(public_ids):
            version_id = versions[index] if index < len(versions) else None
            try:
                asset = await self.store.restore(cloud, type_, public_id, version_id)
            except ResourceNotFound:
                body[public_id] = {"error": "no_backup"}
                continue
            body[public_id] = describe(asset, base_url, secret)
        return body

    # -- by asset id ----------------------------------------------------------------------------

    async def _by_asset_ids(self, cloud: str, params: Params) -> dict[str, tuple[str, str] | None]:
        return {a: await self.catalog.locate_asset_id(cloud, a) for a in split_list(params.get("asset_ids"))[:MAX_PAGE]}

    async def resource_by_asset_id(self, cloud: str, asset_id: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        found = await self.catalog.locate_asset_id(cloud, asset_id)
        if found is None or await self.catalog.get(cloud, *found) is None:
            raise ResourceNotFound(f"Resource not found - {asset_id}")
        return await self.resource(cloud, found[0], found[1], params, base_url, secret)

    async def list_by_asset_ids(self, cloud: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        found = [f for f in (await self._by_asset_ids(cloud, params)).values() if f is not None]
        assets = [a for a in [await self.catalog.get(cloud, *f) for f in found] if a is not None]
        return {"resources": [self._listed(a, params, base_url, secret) for a in assets]}

    async def delete_by_asset_ids(self, cloud: str, params: Params) -> dict[str, Any]:
        deleted: dict[str, str] = {}
        for asset_id, found in (await self._by_asset_ids(cloud, params)).items():
            removed = found is not None and await self.store.destroy(cloud, found[0], found[1], backup=False)
            deleted[asset_id] = "deleted" if removed else "not_found"
        return {"deleted": deleted, "partial": False}

    async def restore_by_asset_ids(self, cloud: str, params: Params, base_url: str, secret: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for asset_id, found in (await self._by_asset_ids(cloud, params)).items():
            try:
                if found is None:
                    raise ResourceNotFound(asset_id)
                body[asset_id] = describe(await self.store.restore(cloud, found[0], found[1], None), base_url, secret)
            except ResourceNotFound:
                body[asset_id] = {"error": "no_backup"}
        return body

    # -- named transformations ------------------------------------------------------------------

    async def transformations(self, cloud: str) -> dict[str, Any]:
        named = await self.catalog.named_transformations(cloud)
        return {"transformations": [_named(n) for n in named]}

    async def transformation(self, cloud: str, name: str) -> dict[str, Any]:
        found = await self._named(cloud, name)
        return {**_named(found), "info": found.definition, "derived": []}

    async def create_transformation(self, cloud: str, params: Params) -> dict[str, Any]:
        name = _name(params.get("name"))
        definition = parse_chain(str(params.get("transformation") or "")).canonical
        if not definition:
            raise InvalidParameter("Missing required parameter - transformation")
        named = NamedTransformation(name, definition, truthy(params.get("allowed_for_strict")), now_iso())
        if not await self.catalog.put_named_transformation(cloud, named, create=True):
            raise AlreadyExists(f"Transformation {name} already exists")
        await self.definitions_changed(cloud)
        return {"message": "created"}

    async def update_transformation(self, cloud: str, params: Params) -> dict[str, Any]:
        found = await self._named(cloud, str(params.get("transformation") or ""))
        definition = parse_chain(str(params["unsafe_update"])).canonical if params.get("unsafe_update") else found.definition
        allowed = truthy(params.get("allowed_for_strict"), found.allowed_for_strict)
        await self.catalog.put_named_transformation(cloud, replace(found, definition=definition, allowed_for_strict=allowed), create=False)
        await self.definitions_changed(cloud)
        return {"message": "updated"}

    async def delete_transformation(self, cloud: str, params: Params) -> dict[str, Any]:
        found = await self._named(cloud, str(params.get("transformation") or ""))
        await self.catalog.delete_named_transformation(cloud, found.name)
        await self.definitions_changed(cloud)
        return {"message": "deleted"}

    async def _named(self, cloud: str, name: str) -> NamedTransformation:
        name = name.removeprefix("t_")
        for named in await self.catalog.named_transformations(cloud):
            if named.name == name:
                return named
        raise ResourceNotFound(f"Transformation {name} not found")

    # -- upload presets -------------------------------------------------------------------------

    async def presets(self, cloud: str) -> dict[str, Any]:
        return {"presets": [_preset(p) for p in await self.catalog.presets(cloud)]}

    async def preset(self, cloud: str, name: str) -> dict[str, Any]:
        found = await self.catalog.preset(cloud, name)
        if found is None:
            raise ResourceNotFound(f"Upload preset {name} not found")
        return _preset(found)

    async def create_preset(self, cloud: str, params: Params) -> dict[str, Any]:
        name = _name(params.get("name") or random_id(8))
        preset = UploadPreset(name, truthy(params.get("unsigned")), _preset_settings(params))
        if not await self.catalog.put_preset(cloud, preset, create=True):
            raise AlreadyExists(f"Upload preset {name} already exists")
        return {"message": "created", "name": name}

    async def update_preset(self, cloud: str, name: str, params: Params) -> dict[str, Any]:
        found = await self.catalog.preset(cloud, name)
        if found is None:
            raise ResourceNotFound(f"Upload preset {name} not found")
        settings = {**found.settings, **_preset_settings(params)}
        await self.catalog.put_preset(cloud, UploadPreset(name, truthy(params.get("unsigned"), found.unsigned), settings), create=False)
        return {"message": "updated"}

    async def delete_preset(self, cloud: str, name: str) -> dict[str, Any]:
        if not await self.catalog.delete_preset(cloud, name):
            raise ResourceNotFound(f"Upload preset {name} not found")
        return {"message": "deleted"}

    # -- folders --------------------------------------------------------------------------------

    async def folders(self, cloud: str, parent: str = "") -> dict[str, Any]:
        paths = await self.catalog.folders(cloud, parent)
        return {"folders": [{"name": p.rsplit("/", 1)[-1], "path": p} for p in paths], "total_count": len(paths)}

    async def create_folder(self, cloud: str, path: str) -> dict[str, Any]:
        path = path.strip("/")
        if not path or any(p in ("", ".", "..") or p.startswith(".") for p in path.split("/")):
            raise InvalidParameter(f"Invalid folder - {path}")
        await self.catalog.create_folder(cloud, path)
        return {"success": True, "path": path, "name": path.rsplit("/", 1)[-1]}

    async def delete_folder(self, cloud: str, path: str) -> dict[str, Any]:
        path = path.strip("/")
        if not await self.catalog.delete_folder(cloud, path) and not await self.catalog.folders(cloud, path):
            raise ResourceNotFound(f"Can't find folder with path {path}")
        return {"deleted": [path]}


def _named(named: NamedTransformation) -> dict[str, Any]:
    return {"name": f"t_{named.name}", "allowed_for_strict": named.allowed_for_strict, "used": False, "named": True}


def _preset(preset: UploadPreset) -> dict[str, Any]:
    return {"name": preset.name, "unsigned": preset.unsigned, "settings": dict(preset.settings)}


def _preset_settings(params: Params) -> dict[str, Any]:
    settings = {k: v for k, v in params.items() if k not in _PRESET_EXCLUDED and v not in (None, "")}
    if "transformation" in settings:
        parse_chain(str(settings["transformation"]))  # a bad incoming transformation fails now, not at upload
    if "eager" in settings:
        eager_items(settings["eager"])
    return settings


def _name(value: Any) -> str:
    name = str(value or "").removeprefix("t_")
    if not _NAME.fullmatch(name):
        raise InvalidParameter(f"Invalid name - {name}")
    return name


def _int(value: Any, default: int) -> int:
    try:
        return max(1, min(int(value), MAX_PAGE)) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise InvalidParameter(f"Invalid integer - {value}") from None
