"""generate_archive: a ZIP of selected assets (public_ids, prefixes, tags), their originals or,
with `transformations`, their derivatives rendered through delivery. `mode=download` (the SDK's
download_zip_url / download_archive_url, a signed GET) streams the ZIP entry by entry, so memory
holds one file at a time; `mode=create` (uploader.create_zip / create_archive) stores it as a raw
asset and answers its URL. Entries are STORED (images are compressed already); the ZIP library
runs in a thread, the reads and renders on the event loop."""

from __future__ import annotations

import asyncio
import io
import secrets
import time
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from edge.catalog.models import Asset
from edge.errors import InvalidParameter
from edge.grammar.delivery_path import parse_delivery_path
from edge.origins.base import storage_cloud
from edge.services.assets import AssetStore, Params, eager_items, now_iso, random_id, split_list, stored_type, truthy
from edge.services.credentials import Credentials
from edge.services.intake import md5_hex
from edge.signing import ApiKey, api_signature

MAX_FILES = 1000
_PAGE = 500


class _Sink(io.RawIOBase):
    """What ZipFile writes to: collects bytes until the stream takes them (not seekable, so
    ZipFile writes data descriptors and never goes back)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


class Archives:
    def __init__(self, store: AssetStore, credentials: Credentials, max_bytes: int) -> None:
        self.store = store
        self.credentials = credentials
        self.max_bytes = max_bytes  # per file

    def authorise(self, cloud: str, params: Params) -> ApiKey:
        return self.credentials.check_signed(cloud, params)

    async def _selected(self, cloud: str, params: Params) -> list[Asset]:
        type_ = stored_type(params.get("type"))
        public_ids, prefixes, tags = (split_list(params.get(k)) for k in ("public_ids", "prefixes", "tags"))
        if not (public_ids or prefixes or tags):
            raise InvalidParameter("Missing required parameter - public_ids, prefixes or tags")
        if len(public_ids) > MAX_FILES:
            raise InvalidParameter(f"Too many files for one archive - over {MAX_FILES}")
        found: dict[str, Asset] = {}
        for asset in await self.store.catalog.get_many(cloud, type_, public_ids):
            found[asset.public_id] = asset
        missing = [p for p in public_ids if p not in found]
        if missing and not truthy(params.get("allow_missing")):
            raise InvalidParameter(f"Resources not found - {', '.join(missing[:10])}")
        for prefix, tag in [(p, None) for p in prefixes] + [("", t) for t in tags]:
            cursor = None
            while True:
                page = await self.store.catalog.list(cloud, type_, prefix=prefix, tag=tag, max_results=_PAGE, cursor=cursor)
                found.update((a.public_id, a) for a in page.assets)
                if len(found) > MAX_FILES:
                    raise InvalidParameter(f"Too many files for one archive - over {MAX_FILES}")
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
        if not found:
            raise InvalidParameter("No resources found for the archive")
        return sorted(found.values(), key=lambda a: a.public_id)

    def _target_format(self, params: Params) -> None:
        target = str(params.get("target_format") or "zip")
        if target != "zip":
            raise InvalidParameter(f"Unsupported target_format - {target} (zip only)")

    async def _files(self, cloud: str, params: Params) -> AsyncIterator[tuple[str, bytes]]:
        """(name in the archive, bytes), one at a time."""
        assets = await self._selected(cloud, params)
        items = eager_items(params.get("transformations"))
        flatten = truthy(params.get("flatten_folders"))
        if len(assets) * max(1, len(items)) > MAX_FILES:
            raise InvalidParameter(f"Too many files for one archive - over {MAX_FILES}")
        seen: set[str] = set()
        for asset in assets:
            stem = asset.public_id.rsplit("/", 1)[-1] if flatten else asset.public_id
            if not items:
                where = storage_cloud(asset.cloud, asset.resource_type, asset.type)
                version = await self.store.origins.locate(where, asset.public_id)
                name, data = f"{stem}.{asset.format}", await self.store.origins.read(version, self.max_bytes)
                yield _unique(name, seen), data
                continue
            for transformation, fmt in items:
                extension = fmt or asset.format
                path = parse_delivery_path(
                    f"/{asset.cloud}/{asset.resource_type}/{asset.type}/{transformation}/v{asset.version}/{asset.public_id}.{extension}"
                )
                derivative = await self.store.delivery.get(path, "")
                label = transformation.replace("/", "_").replace(",", "_") if transformation else "original"
                yield _unique(f"{stem}_{label}.{extension}", seen), derivative.entry.data

    async def stream(self, cloud: str, params: Params, write: Callable[[bytes], Awaitable[None]]) -> int:
        """The ZIP, written as each file is added; the number of files. Selection errors raise
        before the first byte (the caller has not started its response yet: see `prepare`)."""
        self._target_format(params)
        loop = asyncio.get_running_loop()
        sink = _Sink()
        archive = zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED)
        count = 0
        async for name, data in self._files(cloud, params):
            info = zipfile.ZipInfo(name, time.gmtime()[:6])
            info.compress_type = zipfile.ZIP_STORED
            await loop.run_in_executor(None, archive.writestr, info, data)
            await write(sink.take())
            count += 1
        await loop.run_in_executor(None, archive.close)
        await write(sink.take())
        return count

    async def create(self, cloud: str, params: Params, base_url: str) -> dict[str, Any]:
        """mode=create: the ZIP stored as a raw asset; its URL and counts."""
        api_key = self.authorise(cloud, params)
        chunks: list[bytes] = []

        async def collect(data: bytes) -> None:
            chunks.append(data)
            if sum(map(len, chunks)) > self.max_bytes:
                raise InvalidParameter(f"Archive too large - over {self.max_bytes} bytes (use mode=download)")

        count = await self.stream(cloud, params, collect)
        data = b"".join(chunks)
        public_id = str(params.get("target_public_id") or f"archives/{random_id(20)}") + ".zip"
        version = int(time.time())
        where = storage_cloud(cloud, "raw", "upload")
        staged = await self.store.origins.stage(where, public_id, "raw", data, version * 10**9 + secrets.randbelow(10**9))
        await self.store.origins.publish(staged)
        url = f"{base_url}/{cloud}/raw/upload/v{version}/{public_id}"
        return {
            "asset_id": random_id(32), "public_id": public_id, "version": version, "resource_type": "raw",
            "type": "upload", "created_at": now_iso(), "bytes": len(data), "etag": await md5_hex(data),
            "url": url, "secure_url": url, "file_count": count, "resource_count": count,
            "signature": api_signature({"public_id": public_id, "version": str(version)}, api_key.secret, "sha1", 1),
        }


def _unique(name: str, seen: set[str]) -> str:
    candidate, n = name, 1
    while candidate in seen:
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}_{n}.{ext}" if dot else f"{name}_{n}"
        n += 1
    seen.add(candidate)
    return candidate
