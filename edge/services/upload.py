"""The Upload API (`/v1_1/<cloud>/image/<action>`): upload, destroy, rename, explicit, tags, context, metadata.

Values in, dicts out (the SDK's JSON). Every call is authorised first: signed by one of the
cloud's keys, or (upload only) unsigned through an unsigned upload preset.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import hashlib
import re
import logging
import secrets
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from edge.catalog.models import Asset, UploadPreset
from edge.errors import InvalidImage, InvalidParameter, ResourceNotFound, SourceTooLarge, UnsupportedFormat
from edge.grammar.chain import parse_chain
from edge.grammar.params import FORMAT_NAMES
from edge.imaging.encode import negotiate
from edge.imaging.limits import Limits, check
from edge.imaging.probe import SourceInfo, probe
from edge.imaging.abort import Abort
from edge.imaging.render import Rendered, render
from edge.origins.base import storage_cloud
from edge.origins.remote import RemoteFetcher
from edge.services.assets import (
    AssetStore,
    Params,
    Stored,
    describe,
    derived_url,
    eager_items,
    now_iso,
    parse_context,
    random_id,
    split_list,
    truthy,
    valid_public_id,
)
from edge.services.credentials import Credentials
from edge.services.purge import PurgeHook
from edge.services.render_pool import RenderPool
from edge.services.webhooks import Notifier
from edge.signing import ApiKey, api_signature

log = logging.getLogger(__name__)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[\w-]+)*;base64,(.*)", re.DOTALL)
_EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "tiff": "tiff"}
# The tags, context and metadata endpoints send these but the SDK leaves them out of the signature.
_NON_SIGNABLE = ("notification_url", "batch_id")
# The delivery types kept in the store (fetch originals live elsewhere; list is a view).
STORED_TYPES = frozenset({"upload", "private", "authenticated"})
# What an unsigned upload may set itself; the rest (overwrite, type, transformation…) is the preset's.
_UNSIGNED_ALLOWED = frozenset({"public_id", "folder", "tags", "context", "metadata", "upload_preset"})


@dataclass(frozen=True, slots=True)
class FileInput:
    """The `file` parameter: bytes from a multipart part, or text (a data URI or an http(s) URL)."""

    data: bytes | None = None
    filename: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class UploadOptions:
    max_bytes: int
    limits: Limits
    render_timeout: float
    backup_clouds: frozenset[str] = frozenset()  # "*" = every cloud
    notification_urls: Mapping[str, str] = field(default_factory=dict)  # cloud (or "*") -> URL

    def backup(self, cloud: str) -> bool:
        return cloud in self.backup_clouds or "*" in self.backup_clouds

    def notification_url(self, cloud: str) -> str:
        return self.notification_urls.get(cloud) or self.notification_urls.get("*", "")


class Uploads:
    def __init__(
        self,
        store: AssetStore,
        credentials: Credentials,
        pool: RenderPool,
        fetcher: RemoteFetcher,
        notifier: Notifier,
        options: UploadOptions,
    ) -> None:
        self.store = store
        self.catalog = store.catalog
        self.credentials = credentials
        self.pool = pool
        self.fetcher = fetcher
        self.notifier = notifier
        self.options = options
        self._tasks: set[asyncio.Task[None]] = set()
        self.purge: PurgeHook | None = None  # the CDN purge hook (invalidate=true)

    # -- upload -------------------------------------------------------------------------------

    async def upload(self, cloud: str, params: Params, file: FileInput, base_url: str) -> dict[str, Any]:
        api_key, preset = await self._authorise_upload(cloud, params)
        options = _merge(params, preset)
        data, filename = await self._read_file(file)
        try:
            source = await self.pool.run(probe, data, timeout=self.options.render_timeout)
        except InvalidImage as exc:  # only images until raw/video exist: a clear 400
            raise InvalidParameter(f"Invalid image file - {exc.public_message}") from None
        check(source, self.options.limits)
        original_format = _extension(source)
        allowed = split_list(options.get("allowed_formats"))
        if allowed and original_format not in allowed and not (original_format == "jpg" and "jpeg" in allowed):
            raise InvalidParameter(f"Image format {original_format} not allowed")
        stored = await self._incoming(cloud, data, source, options)

        public_id = valid_public_id(self._public_id(options, filename))
        type_ = str(options.get("type") or "upload")
        if type_ not in STORED_TYPES:
            raise InvalidParameter(f"Unsupported type - {type_}")
        previous = await self.catalog.get(cloud, type_, public_id)
        overwrite = truthy(options.get("overwrite"), default=preset is None or not preset.unsigned)
        if previous is not None and not overwrite:
            body = describe(previous, base_url, api_key.secret)
            body["existing"] = True
            return body

        now = int(time.time())
        etag = await asyncio.get_running_loop().run_in_executor(None, _md5, stored.data)  # 100 MB: not on the loop
        backup = truthy(options.get("backup"), self.options.backup(cloud))
        asset = Asset(
            cloud=cloud,
            public_id=public_id,
            asset_id=previous.asset_id if previous else random_id(32),
            version=max(now, previous.version + 1) if previous else now,
            version_id=random_id(32),
            format=stored.format,
            width=stored.width,
            height=stored.height,
            bytes=len(stored.data),
            etag=etag,
            created_at=now_iso(),
            type=type_,
            tags=tuple(split_list(options.get("tags"))),
            context=parse_context(options.get("context")),
            metadata=parse_context(options.get("metadata")),
            original_filename=PurePosixPath(filename).stem if filename else "file",
            backup=backup,
        )
        await self.store.save(asset, stored, previous=previous, backup=backup)
        body = describe(asset, base_url, api_key.secret)
        body["api_key"] = api_key.key
        if previous is not None:
            body["overwritten"] = True
            self._invalidate(options, api_key, cloud, [previous], "overwrite")
        eager = eager_items(options.get("eager"))
        if eager and truthy(options.get("eager_async")):
            self._background(self._eager_later(asset, eager, base_url, options, api_key))
            body["eager"] = []
        elif eager:
            body["eager"] = await self._eager(asset, eager, base_url)
        self._notify(options, body, api_key, "upload")
        return body

    async def upload_raw(self, cloud: str, params: Params, file: FileInput, base_url: str) -> dict[str, Any]:
        """A raw file: stored as sent, under its public_id with its extension (Cloudinary's raw
        naming). Not recorded in the catalog: the Admin API does not list raw files."""
        api_key, preset = await self._authorise_upload(cloud, params)
        options = _merge(params, preset)
        data, filename = await self._read_file(file)
        type_ = str(options.get("type") or "upload")
        if type_ not in STORED_TYPES:
            raise InvalidParameter(f"Unsupported type - {type_}")
        extension = PurePosixPath(filename).suffix.lower() if filename else ""
        given = str(options.get("public_id") or "").strip("/")
        public_id = self._public_id(options, filename)
        if not given and extension and not public_id.endswith(extension):
            public_id += extension
        public_id = valid_public_id(public_id)
        where = storage_cloud(cloud, "raw", type_)
        exists = True
        try:
            await self.store.origins.locate(where, public_id)
        except ResourceNotFound:
            exists = False
        if exists and not truthy(options.get("overwrite"), default=preset is None or not preset.unsigned):
            raise InvalidParameter(f"Resource already exists - {public_id}")
        version = int(time.time())
        # `.raw` after the public_id: siblings with another extension are other files, not older formats.
        staged = await self.store.origins.stage(where, public_id, "raw", data, version * 10**9 + secrets.randbelow(10**9))
        await self.store.origins.publish(staged)
        url = f"{base_url}/{cloud}/raw/{type_}/v{version}/{public_id}"
        body = {
            "asset_id": random_id(32), "public_id": public_id, "version": version, "version_id": random_id(32),
            "resource_type": "raw", "type": type_, "bytes": len(data), "created_at": now_iso(), "tags": [],
            "etag": _md5(data), "placeholder": False, "url": url, "secure_url": url,
            "original_filename": PurePosixPath(filename).stem if filename else "file", "api_key": api_key.key,
            "signature": api_signature({"public_id": public_id, "version": str(version)}, api_key.secret, "sha1", 1),
        }
        if exists:
            body["overwritten"] = True
            self._invalidate(options, api_key, cloud, [], "overwrite", [("raw", type_, public_id)])
        self._notify(options, body, api_key, "upload")
        return body

    async def destroy_raw(self, cloud: str, params: Params) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        public_id = str(params.get("public_id") or "")
        type_ = str(params.get("type") or "upload")
        if not public_id:
            raise InvalidParameter("Missing required parameter - public_id")
        if type_ not in STORED_TYPES:
            raise InvalidParameter(f"Unsupported type - {type_}")
        removed = await self.store.origins.delete(storage_cloud(cloud, "raw", type_), public_id)
        if removed:
            self._invalidate(params, api_key, cloud, [], "destroy", [("raw", type_, public_id)])
            self._notify(params, {"public_id": public_id, "type": type_, "resource_type": "raw"}, api_key, "delete")
        return {"result": "ok" if removed else "not found"}

    async def _eager_later(self, asset: Asset, items: list[tuple[str, str | None]], base_url: str,
                           options: Params, api_key: ApiKey) -> None:
        eager = await self._eager(asset, items, base_url)
        url = options.get("eager_notification_url") or options.get("notification_url")
        payload = {"public_id": asset.public_id, "batch_id": asset.version_id, "eager": eager}
        self._notify({"notification_url": url}, payload, api_key, "eager")

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Tracked, logged, drained on shutdown: never a dropped task."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("eager_async failed: %s", task.exception())

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def upload_part(
        self, cloud: str, params: Params, file: FileInput, base_url: str, upload_id: str, content_range: str,
        raw: bool = False,
    ) -> dict[str, Any]:
        """The SDK's upload_large: signed chunks with `Content-Range` and `X-Unique-Upload-Id`;
        the last one to arrive uploads the whole file."""
        await self._authorise_upload(cloud, params)
        match = _CONTENT_RANGE.fullmatch(content_range.strip())
        if match is None or file.data is None:
            raise InvalidParameter("Invalid chunk - expected Content-Range: bytes START-END/TOTAL and a file part")
        start, end, total = (int(g) for g in match.groups())
        if not start <= end < total or len(file.data) != end - start + 1:
            raise InvalidParameter(f"Invalid chunk - {content_range}")
        if total > self.options.max_bytes:
            raise SourceTooLarge(f"File size too large - {total} bytes (max {self.options.max_bytes})")
        token = hashlib.sha256(f"{cloud}\0{upload_id}".encode()).hexdigest()[:32]
        whole = await self.store.origins.add_part(token, start, file.data, total)
        if whole is None:  # the SDK reads public_id from each answer and sends it with the next chunk
            return {"done": False, "bytes": end + 1, "public_id": str(params.get("public_id") or random_id(20))}
        finish = self.upload_raw if raw else self.upload
        return await finish(cloud, params, FileInput(data=whole, filename=file.filename), base_url)

    async def _authorise_upload(self, cloud: str, params: Params) -> tuple[ApiKey, UploadPreset | None]:
        preset_name = str(params.get("upload_preset") or "")
        if params.get("signature"):
            api_key = self.credentials.check_signed(cloud, params)
            preset = await self.catalog.preset(cloud, preset_name) if preset_name else None
            if preset_name and preset is None:
                raise InvalidParameter(f"Upload preset not found - {preset_name}")
            return api_key, preset
        self.credentials.known_cloud(cloud)
        if not preset_name:
            raise InvalidParameter("Upload preset must be specified when using unsigned upload")
        preset = await self.catalog.preset(cloud, preset_name)
        if preset is None:
            raise InvalidParameter(f"Upload preset not found - {preset_name}")
        if not preset.unsigned:
            raise InvalidParameter("Upload preset must be whitelisted for unsigned uploads")
        return self.credentials.keyring.primary(cloud), preset

    async def _read_file(self, file: FileInput) -> tuple[bytes, str]:
        if file.data is not None:
            data, name = file.data, file.filename
        elif (match := _DATA_URI.fullmatch(file.text.strip())) is not None:
            try:
                data = base64.b64decode(match.group(3), validate=False)
            except (binascii.Error, ValueError):
                raise InvalidParameter("Invalid data URI") from None
            name = ""
        elif file.text.startswith(("http://", "https://")):
            data, name = await self.fetcher.fetch(file.text, self.options.max_bytes)
        elif file.text:
            raise InvalidParameter("Unsupported file - give a file part, a data URI or an http(s) URL")
        else:
            raise InvalidParameter("Missing required parameter - file")
        if not data:
            raise InvalidParameter("Empty file")
        if len(data) > self.options.max_bytes:
            raise SourceTooLarge(f"File size too large - over {self.options.max_bytes} bytes")
        return data, name

    async def _incoming(self, cloud: str, data: bytes, source: SourceInfo, options: Params) -> Stored:
        """The incoming `transformation` and `format`, applied before storing."""
        transformation = str(options.get("transformation") or "")
        fmt = str(options.get("format") or "").lower()
        if fmt and fmt not in FORMAT_NAMES:
            raise UnsupportedFormat(f"Unsupported format - {fmt}")
        if not transformation and (not fmt or fmt in (_extension(source), "jpeg" if _extension(source) == "jpg" else "")):
            return Stored(data, _extension(source), source.width, source.height)
        chain = parse_chain(transformation)
        chain = await self.store.delivery.expand_named(cloud, chain)
        requested = chain.last("format") or (FORMAT_NAMES[fmt] if fmt else None)
        output = negotiate(requested, chain.last("quality"), chain.flags, "")
        abort = Abort()
        async with self.pool.slot():
            rendered: Rendered = await self.pool.run(
                render, data, chain, output, self.options.limits, abort,
                timeout=self.options.render_timeout, on_timeout=abort.kill,
            )
        extension = "jpg" if rendered.format.value == "jpeg" else rendered.format.value
        return Stored(rendered.data, extension, rendered.width, rendered.height)

    def _public_id(self, options: Params, filename: str) -> str:
        public_id = str(options.get("public_id") or "").strip("/")
        if not public_id:
            stem = re.sub(r"[^\w-]+", "_", PurePosixPath(filename).stem).strip("_") if filename else ""
            if truthy(options.get("use_filename")) and stem:
                public_id = stem + ("_" + random_id(6) if truthy(options.get("unique_filename"), True) else "")
            else:
                public_id = random_id(20)
        folder = str(options.get("folder") or "").strip("/")
        return f"{folder}/{public_id}" if folder else public_id

    async def _eager(self, asset: Asset, items: list[tuple[str, str | None]], base_url: str) -> list[dict[str, Any]]:
        rendered = await self.store.render_eager(asset, items)
        return [
            {"transformation": transformation + (f"/{fmt}" if fmt else ""), "format": d.format, "bytes": d.bytes,
             "url": derived_url(asset, d, base_url), "secure_url": derived_url(asset, d, base_url)}
            for (transformation, fmt), d in zip(items, rendered, strict=True)
        ]

    def _invalidate(self, options: Params, api_key: ApiKey, cloud: str, assets: list[Asset], reason: str,
                    more: list[tuple[str, str, str]] | None = None) -> None:
        """invalidate=true: forget what this node remembers, and ask the CDN (purge hook) to drop
        every derivative of these assets. Our own tiers need no purge: a new version changes
        every derivative key, and a destroyed original answers 404 before any cache lookup."""
        if not truthy(options.get("invalidate")):
            return
        self.store.delivery.forget_recent()
        if self.purge is not None:
            keys = [(a.resource_type, a.type, a.public_id) for a in assets] + (more or [])
            self.purge.purge(cloud, keys, reason, api_key.secret)

    def _notify(self, options: Params, body: dict[str, Any], api_key: ApiKey, kind: str) -> None:
        payload = {"notification_type": kind, "timestamp": datetime.datetime.now(datetime.UTC).isoformat(), **body}
        for url in dict.fromkeys((str(options.get("notification_url") or ""), self.options.notification_url(api_key.cloud))):
            self.notifier.send(url, payload, api_key.secret)

    # -- destroy, rename, explicit ------------------------------------------------------------

    async def destroy(self, cloud: str, params: Params) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        public_id = str(params.get("public_id") or "")
        if not public_id:
            raise InvalidParameter("Missing required parameter - public_id")
        type_ = str(params.get("type") or "upload")
        if type_ not in STORED_TYPES:
            raise InvalidParameter(f"Unsupported type - {type_}")
        asset = await self.catalog.get(cloud, type_, public_id)
        removed = await self.store.destroy(cloud, type_, public_id, backup=self.options.backup(cloud))
        body = {"result": "ok" if removed else "not found"}
        if removed and asset is not None:
            self._invalidate(params, api_key, cloud, [asset], "destroy")
        if removed:
            self._notify(params, {"public_id": public_id, "type": type_, "resource_type": "image"}, api_key, "delete")
        return body

    async def rename(self, cloud: str, params: Params, base_url: str) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        from_id = str(params.get("from_public_id") or "")
        to_id = valid_public_id(str(params.get("to_public_id") or ""))
        asset = await self._existing(cloud, str(params.get("type") or "upload"), from_id)
        moved = await self.store.rename(asset, to_id, overwrite=truthy(params.get("overwrite")))
        self._invalidate(params, api_key, cloud, [asset, moved], "rename")  # the new id may have served a d_ default
        if params.get("context"):
            moved = replace(moved, context={**moved.context, **parse_context(params.get("context"))})
            await self.catalog.put(moved)
        body = describe(moved, base_url, api_key.secret)
        self._notify(params, {"from_public_id": from_id, "to_public_id": to_id, **body}, api_key, "rename")
        return body

    async def explicit(self, cloud: str, params: Params, base_url: str) -> dict[str, Any]:
        api_key = self.credentials.check_signed(cloud, params)
        asset = await self._existing(cloud, str(params.get("type") or "upload"), str(params.get("public_id") or ""))
        changes: dict[str, Any] = {}
        if params.get("tags"):
            changes["tags"] = tuple(split_list(params.get("tags")))
        if params.get("context"):
            changes["context"] = parse_context(params.get("context"))
        if params.get("metadata"):
            changes["metadata"] = {**asset.metadata, **parse_context(params.get("metadata"))}
        if changes:
            asset = replace(asset, **changes)
            await self.catalog.put(asset)
        body = describe(asset, base_url, api_key.secret)
        eager = eager_items(params.get("eager"))
        if eager:
            body["eager"] = await self._eager(asset, eager, base_url)
            self._notify({"notification_url": params.get("eager_notification_url") or params.get("notification_url")},
                         body, api_key, "eager")
        return body

    async def _existing(self, cloud: str, type_: str, public_id: str) -> Asset:
        asset = await self.catalog.get(cloud, type_, public_id)
        if asset is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return asset

    # -- tags, context, metadata --------------------------------------------------------------

    async def tags(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        command = str(params.get("command") or "")
        tags = split_list(params.get("tag"))
        type_ = str(params.get("type") or "upload")
        public_ids = split_list(params.get("public_ids"))
        if command not in ("add", "remove", "replace", "remove_all", "set_exclusive"):
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
            if command in ("add", "set_exclusive"):
                new_tags = tuple(dict.fromkeys((*asset.tags, *tags)))
            elif command == "remove":
                new_tags = tuple(t for t in asset.tags if t not in tags)
            elif command == "replace":
                new_tags = tuple(tags)
            else:
                new_tags = ()
            await self.catalog.put(replace(asset, tags=new_tags))
            updated.append(asset.public_id)
        return {"public_ids": updated}

    async def context(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        command = str(params.get("command") or "")
        if command not in ("add", "remove_all"):
            raise InvalidParameter(f"Invalid command - {command}")
        values = parse_context(params.get("context"))
        updated = []
        for asset in await self.catalog.get_many(cloud, str(params.get("type") or "upload"), split_list(params.get("public_ids"))):
            context = {**asset.context, **values} if command == "add" else {}
            await self.catalog.put(replace(asset, context=context))
            updated.append(asset.public_id)
        return {"public_ids": updated}

    async def metadata(self, cloud: str, params: Params) -> dict[str, Any]:
        self.credentials.check_signed(cloud, params, exclude=_NON_SIGNABLE)
        values = parse_context(params.get("metadata"))
        updated = []
        for asset in await self.catalog.get_many(cloud, str(params.get("type") or "upload"), split_list(params.get("public_ids"))):
            await self.catalog.put(replace(asset, metadata={**asset.metadata, **values}))
            updated.append(asset.public_id)
        return {"public_ids": updated}


def _merge(params: Params, preset: UploadPreset | None) -> Mapping[str, Any]:
    """A preset fills in what a signed call leaves out. An unsigned call may only name the
    asset and describe it (as on Cloudinary); everything else comes from the preset."""
    if preset is None:
        return params
    fixed = {k: v for k, v in preset.settings.items() if v not in (None, "")}
    if not preset.unsigned:
        return {**fixed, **params}
    allowed = _UNSIGNED_ALLOWED - ({"public_id"} if truthy(fixed.get("disallow_public_id")) else set())
    return {**{k: v for k, v in params.items() if k in allowed}, **fixed}


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _extension(source: SourceInfo) -> str:
    if source.loader == "heif":
        return "avif" if source.is_avif else "heic"
    if source.loader not in _EXTENSIONS:
        raise InvalidParameter(f"Unsupported image format - {source.loader}")
    return _EXTENSIONS[source.loader]
