"""Image upload (`/v1_1/<cloud>/image/upload`): probe, check, apply the incoming transformation,
store, render eager derivatives. Values in, the SDK's dict out."""

from __future__ import annotations

import time
from typing import Any

from edge.catalog.db import Database
from edge.catalog.models import Asset
from edge.catalog.outbox import OutboxRow
from edge.concurrency.tasks import BackgroundTasks
from edge.errors import InvalidImage, InvalidParameter, UnsupportedFormat
from edge.grammar.chain import parse_chain
from edge.grammar.params import FORMAT_NAMES
from edge.imaging.abort import Abort
from edge.imaging.encode import negotiate
from edge.imaging.limits import check
from edge.imaging.pdf import probe_document
from edge.imaging.probe import SourceInfo
from edge.imaging.render import Rendered, render
from edge.services.assets import (
    AssetStore,
    Params,
    Stored,
    derived_url,
    describe,
    eager_items,
    now_iso,
    parse_context,
    random_id,
    split_list,
    stored_type,
    truthy,
    valid_public_id,
)
from edge.services.intake import (
    Call, FileInput, Intake, UploadOptions, md5_hex, original_filename, parse_coordinates, public_id_for,
)
from edge.services.notices import Notices, keys_of
from edge.services.render_pool import RenderPool
from edge.signing import ApiKey

__all__ = ["FileInput", "UploadOptions", "Uploads", "eager_results"]
_EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "tiff": "tiff", "pdf": "pdf"}


class Uploads:
    def __init__(self, intake: Intake, store: AssetStore, pool: RenderPool, notices: Notices, options: UploadOptions) -> None:
        self.intake = intake
        self.store = store
        self.pool = pool
        self.notices = notices
        self.notifier = notices.notifier
        self.options = options
        self._later = BackgroundTasks("eager_async")
        if notices.outbox is not None:  # eager_async jobs are outbox rows: whichever node claims one renders it
            notices.outbox.handlers["eager"] = self.eager_job

    async def upload(self, cloud: str, params: Params, file: FileInput, base_url: str) -> dict[str, Any]:
        return await self.store_image(cloud, *await self.intake.take(cloud, params, file), base_url)

    async def store_image(self, cloud: str, call: Call, data: bytes, filename: str, base_url: str) -> dict[str, Any]:
        """An authorised call's bytes: checked, transformed if asked, stored; the SDK's answer."""
        options, api_key = call.options, call.api_key
        try:
            source = await self.pool.run(probe_document, data, timeout=self.options.render_timeout)
        except InvalidImage as exc:  # only images until raw/video exist: a clear 400
            raise InvalidParameter(f"Invalid image file - {exc.public_message}") from None
        check(source, self.options.limits)
        original_format = _extension(source)
        allowed = split_list(options.get("allowed_formats"))
        if allowed and original_format not in allowed and not (original_format == "jpg" and "jpeg" in allowed):
            raise InvalidParameter(f"Image format {original_format} not allowed")
        stored = await self._incoming(cloud, data, source, options)
        coordinates = parse_coordinates(options.get("custom_coordinates"), stored.width, stored.height)

        public_id = valid_public_id(public_id_for(options, filename))
        type_ = stored_type(options.get("type"))
        previous = await self.store.catalog.get(cloud, type_, public_id)
        if previous is not None and not call.overwrite():
            body = describe(previous, base_url, api_key.secret)
            body["existing"] = True
            return body

        keep = previous if previous is not None and self.options.keep_metadata(cloud) else None
        # Checked before anything is stored: an invalid value fails the call with nothing written.
        metadata = await self.store.metadata.resolve(
            cloud, keep.metadata if keep else {}, options.get("metadata"), new_asset=True
        )
        now = int(time.time())
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
            etag=await md5_hex(stored.data),
            created_at=now_iso(),
            type=type_,
            tags=tuple(split_list(options.get("tags"))) if keep is None or options.get("tags") else keep.tags,
            context=parse_context(options.get("context")) if keep is None or options.get("context") else keep.context,
            metadata=metadata,
            original_filename=original_filename(filename),
            backup=backup,
            coordinates=coordinates,
        )
        body = describe(asset, base_url, api_key.secret)
        body["api_key"] = api_key.key
        if source.pages > 1 or source.loader == "pdf":
            body["pages"] = source.pages
        if previous is not None:
            body["overwritten"] = True
        eager = eager_items(options.get("eager"))
        later = bool(eager) and truthy(options.get("eager_async"))
        held: list[str] = []

        async def during(tx: Database) -> None:
            # The notification and the eager_async job commit with the record: a crash loses neither.
            held.extend(await self.notices.hold(options, body, api_key, "upload", tx))
            if later and self.notices.outbox is not None:
                job = {"type": asset.type, "public_id": asset.public_id, "version": asset.version, "base_url": base_url,
                       "items": [list(i) for i in eager], "batch_id": asset.version_id,
                       "notification_url": options.get("eager_notification_url") or options.get("notification_url")}
                await self.notices.outbox.add(tx, cloud, api_key.key, "eager", "", job)

        await self.store.save(asset, stored, previous=previous, backup=backup, during=during)
        if previous is not None:
            self.notices.invalidate(options, cloud, keys_of([previous]), "overwrite", api_key.secret)
        if later and self.notices.outbox is None:  # no outbox (bare services): render in this process
            self._later.spawn(self._eager_later(asset, eager, base_url, call.api_key,
                                                options.get("eager_notification_url") or options.get("notification_url")))
        if later:
            body["eager"] = []
            if self.notices.outbox is not None:
                self.notices.outbox.wake()
        elif eager:
            body["eager"] = await eager_results(self.store, asset, eager, base_url)
        await self.notices.release(held, body, "upload")
        return body

    async def eager_job(self, row: OutboxRow) -> None:
        """An eager_async job from the outbox (whichever node claimed it): render, then notify."""
        job = row.payload
        asset = await self.store.catalog.get(row.cloud, job["type"], job["public_id"])
        if asset is None or asset.version != job["version"]:
            return  # deleted or replaced since: its eager derivatives are moot
        items = [(str(t), f) for t, f in job["items"]]
        await self._eager_later(asset, items, job["base_url"], ApiKey(row.cloud, row.api_key, ""), job.get("notification_url"))

    async def _eager_later(self, asset: Asset, items: list[tuple[str, str | None]], base_url: str, api_key: ApiKey,
                           url: Any) -> None:
        eager = await eager_results(self.store, asset, items, base_url)
        payload = {"public_id": asset.public_id, "batch_id": asset.version_id, "eager": eager}
        await self.notices.notify({"notification_url": url}, payload, api_key, "eager")

    async def drain(self) -> None:
        """Wait for eager_async renders (shutdown, tests)."""
        await self._later.drain()

    async def _incoming(self, cloud: str, data: bytes, source: SourceInfo, options: Params) -> Stored:
        """The incoming `transformation` and `format`, applied before storing."""
        transformation = str(options.get("transformation") or "")
        fmt = str(options.get("format") or "").lower()
        if fmt and fmt not in FORMAT_NAMES:
            raise UnsupportedFormat(f"Unsupported format - {fmt}")
        if not transformation and (not fmt or fmt in (_extension(source), "jpeg" if _extension(source) == "jpg" else "")):
            return Stored(data, _extension(source), source.width, source.height)
        chain = await self.store.delivery.expand_named(cloud, parse_chain(transformation))
        requested = chain.last("format") or (FORMAT_NAMES[fmt] if fmt else None)
        output = negotiate(requested, chain.last("quality"), chain.flags, "")
        abort = Abort()
        rendered: Rendered = await self.pool.run(
            render, data, chain, output, self.options.limits, abort,
            timeout=self.options.render_timeout, on_timeout=abort.kill,
        )
        extension = "jpg" if rendered.format.value == "jpeg" else rendered.format.value
        return Stored(rendered.data, extension, rendered.width, rendered.height)


async def eager_results(store: AssetStore, asset: Asset, items: list[tuple[str, str | None]], base_url: str) -> list[dict[str, Any]]:
    """Render eager derivatives; the SDK's `eager` entries (transformation, width, height, bytes,
    format, url, secure_url). For upload and explicit alike."""
    results = []
    for (transformation, fmt), eager in zip(items, await store.render_eager(asset, items), strict=True):
        url = derived_url(asset, eager.derived, base_url)
        results.append({
            "transformation": transformation + (f"/{fmt}" if fmt else ""), "width": eager.width, "height": eager.height,
            "bytes": eager.derived.bytes, "format": eager.derived.format, "url": url, "secure_url": url,
        })
    return results


def _extension(source: SourceInfo) -> str:
    if source.loader == "heif":
        return "avif" if source.is_avif else "heic"
    if source.loader not in _EXTENSIONS:
        raise InvalidParameter(f"Unsupported image format - {source.loader}")
    return _EXTENSIONS[source.loader]
