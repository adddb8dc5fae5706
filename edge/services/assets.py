"""Asset changes shared by the Upload and Admin APIs: store, delete, rename, restore, describe.

The order that keeps delivery consistent: the original is written first under a hidden name,
then the record is written and, inside the same transaction, the file renamed into place; if
the record cannot be written the new bytes never become visible. Every write stamps the file with a fresh
version, so the derivative key (which includes it) changes: cached derivatives of the old
bytes become unreachable in every tier at once. Destroy removes the original first, so
delivery answers 404 before the record is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses

import datetime
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from edge.catalog.db import Database
from edge.catalog.models import Asset, Derived, Revision
from edge.catalog.store import Catalog
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.grammar.chain import parse_chain
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.params import FORMAT_NAMES
from edge.origins.base import OriginVersion, Staged, storage_cloud
from edge.services.delivery import Delivery
from edge.services.metadata import StructuredMetadata
from edge.signing import api_signature

ParamValue = str | list[str]
Params = Mapping[str, Any]
# Run inside a change's transaction (its outbox rows commit with it, or not at all).
During = Callable[[Database], Awaitable[Any]] | None
# The delivery types kept in the store (fetch originals live elsewhere; list is a view).
STORED_TYPES = frozenset({"upload", "private", "authenticated"})


@dataclass(frozen=True, slots=True)
class Eager:
    """One eager derivative as rendered: its catalog record and its dimensions."""

    derived: Derived
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Stored:
    data: bytes
    format: str  # extension: jpg png webp gif avif ...
    width: int
    height: int


# A live write is pending for the time it takes to publish one original (milliseconds; seconds
# for a large one to S3): one pending this long was left by a process that died.
RECOVER_AFTER_SECONDS = 120.0


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def truthy(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def split_list(value: Any) -> list[str]:
    """`a,b` or ["a", "b"] -> ["a", "b"], empty parts dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def parse_context(value: Any) -> dict[str, str]:
    """`k=v|k2=v2` with `\\=` and `\\|` escapes (the SDK's encode_context), or a mapping."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    text = str(value or "")
    pairs, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += "\\" + char if char not in "=|" else "\0" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            pairs.append(current)
            current = ""
        else:
            current += char
    pairs.append(current)
    result = {}
    for pair in pairs:
        if not pair:
            continue
        key, _, val = pair.replace("\0=", "\1").partition("=")
        result[key.replace("\1", "=").replace("\0|", "|")] = val.replace("\1", "=").replace("\0|", "|")
    return result


def stored_type(value: Any) -> str:
    """The `type` parameter of a call that writes or deletes: one of the stored types."""
    type_ = str(value or "upload")
    if type_ not in STORED_TYPES:
        raise InvalidParameter(f"Unsupported type - {type_}")
    return type_


def valid_public_id(public_id: str) -> str:
    parts = public_id.split("/")
    if (
        not public_id
        or len(public_id) > 255
        or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts)
    ):
        raise InvalidParameter(f"Invalid public_id - {public_id}")
    return public_id


def random_id(length: int = 20) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def eager_entries(value: Any) -> Iterator[tuple[str, str, str]]:
    """The entries of an `eager` parameter (`a|b` or a list), each with its parts before and after its last `/`."""
    for raw in (value if isinstance(value, list) else str(value or "").split("|")):
        raw = str(raw).strip()
        if raw:
            head, _, last = raw.rpartition("/")
            yield raw, head, last


def eager_items(value: Any) -> list[tuple[str, str | None]]:
    """`c_fill,w_100/jpg|w_50` -> [("c_fill,w_100", "jpg"), ("w_50", None)], each validated."""
    items = []
    for raw, head, last in eager_entries(value):
        if last in FORMAT_NAMES or (last == "" and head):
            transformation, fmt = head, last or None
        else:
            transformation, fmt = raw, None
        chain = parse_chain(transformation)  # raises InvalidTransformation (400)
        items.append((chain.canonical, fmt))
    return items


@runtime_checkable
class WritableOrigins(Protocol):
    """What the Upload/Admin APIs need from an origin store beyond reading (LocalOriginStore and
    S3OriginStore have it; a store without it serves delivery only)."""

    async def locate(self, cloud: str, public_id: str) -> OriginVersion: ...
    async def stage(self, cloud: str, public_id: str, extension: str, data: bytes, mtime_ns: int | None = None) -> Staged: ...
    async def publish(self, staged: Staged) -> None: ...
    async def discard(self, staged: Staged) -> None: ...
    async def is_staged(self, staged: Staged) -> bool: ...
    async def delete(self, cloud: str, public_id: str) -> bool: ...
    async def move(self, cloud: str, from_id: str, to_id: str, mtime_ns: int | None = None) -> None: ...
    async def keep(self, locator: str, area: str, name: str) -> str: ...
    async def read_locator(self, locator: str, max_bytes: int) -> bytes: ...
    async def add_part(self, upload: str, start: int, data: bytes, total: int) -> bytes | None: ...


class AssetStore:
    """The catalog and the origin store, kept in step."""

    def __init__(self, catalog: Catalog, origins: WritableOrigins, delivery: Delivery, max_bytes: int) -> None:
        self.catalog = catalog
        self.origins = origins
        self.delivery = delivery
        self.max_bytes = max_bytes
        self.metadata = StructuredMetadata(catalog.db)

    async def existing(self, cloud: str, type_: str, public_id: str) -> Asset:
        asset = await self.catalog.get(cloud, type_, public_id)
        if asset is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return asset

    async def save(self, asset: Asset, stored: Stored, *, previous: Asset | None, backup: bool, during: During = None) -> Asset:
        if previous is not None and backup:
            await self.keep_revision(previous)
        mtime_ns = asset.version * 10**9 + secrets.randbelow(10**9)
        where = storage_cloud(asset.cloud, asset.resource_type, asset.type)
        staged = await self.origins.stage(where, asset.public_id, stored.format, stored.data, mtime_ns)
        # The journal row says what is about to happen; it goes in the record's transaction, so it
        # outlives the write only if the process dies between publish and commit (see recover).
        write_id = random_id(24)
        await self.catalog.begin_write(write_id, dataclasses.asdict(staged), asset, now_iso())
        try:
            # The file goes into place inside the record's transaction: if the record cannot be
            # written, the new bytes never become visible (the staged file is hidden and removed).
            async with self.catalog.db.transaction() as tx:
                await self.catalog.put(asset, tx)
                await self.catalog.end_write(write_id, tx)
                if during is not None:
                    await during(tx)
                await self.origins.publish(staged)
        except BaseException:
            await self.origins.discard(staged)
            with contextlib.suppress(Exception):
                await self.catalog.end_write(write_id)
            raise
        await self.catalog.clear_derived(asset.cloud, asset.type, asset.public_id)
        await self._invalidate(asset.cloud, asset.resource_type, asset.type, asset.public_id)
        return asset

    async def recover(self, min_age_seconds: float = RECOVER_AFTER_SECONDS) -> int:
        """At start-up: finish or undo writes a dead process left between publish and commit.
        Still staged: never published, so undo. Gone: published without its record, so write it.
        Only writes begun `min_age_seconds` ago: a younger one may belong to a live process (the
        other workers of this node, other nodes), whose staged file must not be taken from it."""
        finished = 0
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=min_age_seconds)
        for write_id, staged_fields, asset in await self.catalog.pending_writes(cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")):
            staged = Staged(**staged_fields)
            if await self.origins.is_staged(staged):
                await self.origins.discard(staged)
                await self.catalog.end_write(write_id)
                continue
            async with self.catalog.db.transaction() as tx:
                await self.catalog.put(asset, tx)
                await self.catalog.end_write(write_id, tx)
            await self._invalidate(asset.cloud, asset.resource_type, asset.type, asset.public_id)
            finished += 1
        return finished

    async def keep_revision(self, asset: Asset) -> None:
        version = await self.origins.locate(storage_cloud(asset.cloud, asset.resource_type, asset.type), asset.public_id)
        locator = await self.origins.keep(
            version.locator, f"backups/{asset.cloud}", f"{asset.asset_id}/{asset.version_id}.{asset.format}"
        )
        revision = Revision(
            asset.asset_id, asset.version_id, asset.public_id, asset.version, asset.format, asset.bytes,
            asset.width, asset.height, asset.etag, now_iso(), locator,
        )
        await self.catalog.add_revision(asset.cloud, asset.type, revision)

    async def destroy(self, cloud: str, type_: str, public_id: str, *, backup: bool, during: During = None) -> bool:
        asset = await self.catalog.get(cloud, type_, public_id)
        if asset is not None and (backup or asset.backup):
            try:
                await self.keep_revision(asset)
            except ResourceNotFound:
                pass
        removed_file = await self.origins.delete(storage_cloud(cloud, "image", type_), public_id)
        async with self.catalog.db.transaction() as tx:
            removed_record = await self.catalog.delete(cloud, type_, public_id, tx)
            if during is not None and (removed_record or removed_file):
                await during(tx)
        await self._invalidate(cloud, "image", type_, public_id)
        return removed_file or removed_record

    async def rename(self, asset: Asset, to_id: str, *, overwrite: bool, during: Callable[[Database, Asset], Awaitable[Any]] | None = None) -> Asset:
        existing = await self.catalog.get(asset.cloud, asset.type, to_id)
        if existing is not None and not overwrite:
            raise AlreadyExists(f"Resource already exists - {to_id}")
        version = max(int(datetime.datetime.now(datetime.UTC).timestamp()), asset.version + 1)
        moved = replace(asset, public_id=to_id, version=version, version_id=random_id(32))
        where = storage_cloud(asset.cloud, asset.resource_type, asset.type)
        await self.origins.move(where, asset.public_id, to_id, version * 10**9 + secrets.randbelow(10**9))
        async with self.catalog.db.transaction() as tx:
            await self.catalog.delete(asset.cloud, asset.type, asset.public_id, tx)
            if existing is not None:
                await self.catalog.delete(asset.cloud, asset.type, to_id, tx)
            await self.catalog.put(moved, tx)
            if during is not None:
                await during(tx, moved)
        await self._invalidate(asset.cloud, asset.resource_type, asset.type, asset.public_id)
        await self._invalidate(asset.cloud, asset.resource_type, asset.type, to_id)
        return moved

    async def _invalidate(self, cloud: str, resource_type: str, type_: str, public_id: str) -> None:
        """Every node forgets the old original: its lookup (kept under the storage folder's name)
        and its derivatives and memos (kept under the URL's cloud)."""
        await self.delivery.invalidate(cloud, public_id)
        where = storage_cloud(cloud, resource_type, type_)
        if where != cloud:
            await self.delivery.invalidate(where, public_id)

    async def restore(self, cloud: str, type_: str, public_id: str, version_id: str | None) -> Asset:
        revisions = await self.catalog.revisions(cloud, type_, public_id)
        chosen = next((r for r in revisions if version_id in (None, r.version_id)), None)
        if chosen is None:
            raise ResourceNotFound(f"No backup found - {public_id}")
        data = await self.origins.read_locator(chosen.locator, self.max_bytes)
        current = await self.catalog.get(cloud, type_, public_id)
        version = max(int(datetime.datetime.now(datetime.UTC).timestamp()), chosen.version + 1, (current.version + 1) if current else 0)
        base = current or Asset(
            cloud=cloud, public_id=public_id, asset_id=chosen.asset_id, version=0, version_id="", format=chosen.format,
            width=0, height=0, bytes=0, etag="", created_at=chosen.created_at, type=type_, backup=True,
        )
        asset = replace(
            base, version=version, version_id=random_id(32), format=chosen.format, width=chosen.width,
            height=chosen.height, bytes=chosen.bytes, etag=chosen.etag,
        )
        return await self.save(asset, Stored(data, chosen.format, chosen.width, chosen.height), previous=current, backup=current is not None)

    async def render_eager(self, asset: Asset, items: list[tuple[str, str | None]]) -> list[Eager]:
        """Render each eager transformation through delivery, so the derivative lands in the cache."""
        done = []
        for transformation, fmt in items:
            extension = fmt or asset.format
            path = parse_delivery_path(
                f"/{asset.cloud}/{asset.resource_type}/{asset.type}/{transformation}/v{asset.version}/{asset.public_id}.{extension}"
            )
            derivative = await self.delivery.get(path, "")
            derived = Derived(transformation, extension, derivative.entry.size, now_iso())
            await self.catalog.add_derived(asset.cloud, asset.type, asset.public_id, derived)
            done.append(Eager(derived, derivative.entry.width, derivative.entry.height))
        # The slower tiers are written in the background; wait, so that every node finds them.
        await self.delivery.cache.drain()
        return done


def describe(asset: Asset, base_url: str, secret: str, *, with_signature: bool = True) -> dict[str, Any]:
    """The SDK's response fields, with URLs on this server."""
    url = f"{base_url}/{asset.cloud}/{asset.resource_type}/{asset.type}/v{asset.version}/{asset.public_id}.{asset.format}"
    body: dict[str, Any] = {
        "asset_id": asset.asset_id,
        "public_id": asset.public_id,
        "version": asset.version,
        "version_id": asset.version_id,
        "width": asset.width,
        "height": asset.height,
        "format": asset.format,
        "resource_type": asset.resource_type,
        "created_at": asset.created_at,
        "tags": list(asset.tags),
        "bytes": asset.bytes,
        "type": asset.type,
        "etag": asset.etag,
        "placeholder": asset.placeholder,
        "url": url,
        "secure_url": url,
        "folder": asset.folder,
        "asset_folder": asset.folder,
        "original_filename": asset.original_filename,
        "display_name": asset.display_name or asset.public_id.rsplit("/", 1)[-1],
    }
    if asset.context:
        body["context"] = {"custom": dict(asset.context)}
    if asset.metadata:
        body["metadata"] = dict(asset.metadata)
    if asset.coordinates:
        body["coordinates"] = {"custom": [list(box) for box in asset.coordinates]}
    if with_signature:
        # What the SDK's verify_api_response_signature checks: public_id and version, version-1 string.
        body["signature"] = api_signature({"public_id": asset.public_id, "version": str(asset.version)}, secret, "sha1", 1)
    return body


def derived_url(asset: Asset, derived: Derived, base_url: str) -> str:
    return f"{base_url}/{asset.cloud}/{asset.resource_type}/{asset.type}/{derived.transformation}/v{asset.version}/{asset.public_id}.{derived.format}"
