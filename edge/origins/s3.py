"""S3 (and S3-compatible) originals: `s3://bucket/prefix`, key `<prefix>/<cloud>/<path>/<name>.<ext>`.

One aiobotocore client per process, opened by `open_client` in a cleanup_ctx. Botocore's
exceptions stop here: NoSuchKey -> ResourceNotFound (404); throttling and 5xx ->
OriginUnavailable (502); timeouts -> OriginTimeout (504).

A public_id does not say its extension, and a HEAD per candidate extension would cost
several round trips. One `ListObjectsV2(Prefix="<...>/<name>.", Delimiter="/")` finds the
key, its ETag (the version token) and its size in one call; the answer, found or not, is
kept for a short time per process, and an invalidation message (`forget`) drops it sooner.
The version token is the ETag (a hash of the bytes) and LastModified, so it changes on every
overwrite; reads send the ETag as If-Match.

Writes (the Upload and Admin APIs) mirror the folder store. Edge's own objects live under
`<prefix>/.edge/` (staging, chunk parts, backups), where no public_id can reach them: a
segment may not start with a dot. An upload is put under `.edge/staging/<random>`, invisible;
`publish` copies it into place, then deletes the staged object and the public_id's other
extensions (the new format wins). Staged objects and chunk parts left by a crash are swept
after an hour.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from edge.concurrency.singleflight import SingleFlight
from edge.concurrency.ttl import TTLMap
from edge.errors import (
    EdgeError,
    InvalidParameter,
    OriginChanged,
    OriginThrottled,
    OriginTimeout,
    OriginUnavailable,
    ResourceNotFound,
    SourceTooLarge,
)
from edge.metrics import Metrics
from edge.origins.base import OriginVersion, Staged
from edge.settings import S3Settings

T = TypeVar("T")
log = logging.getLogger(__name__)

# When several keys share a stem, prefer the usual image formats, in this order (as the folder store).
_PREFERRED = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".heic", ".tif", ".tiff")
_THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
              "ServiceUnavailable", "RequestThrottled"}
_MISSING = {"NoSuchKey", "NotFound", "404"}
_MAX_LOOKUP_ENTRIES = 100_000
_CHUNK = 256 * 1024
_OWN = ".edge"  # edge's own objects; no public_id segment may start with a dot
_MAX_PARTS = 500  # chunks of one chunked upload (the SDK sends 20 MB chunks by default); one LIST page
_LEFTOVERS_KEPT_SECONDS = 3600  # staged objects and chunk parts older than this are abandoned
_SWEEP_EVERY_SECONDS = 600
_DELETE_BATCH = 1000  # DeleteObjects' limit
_UPLOAD_TOKEN = re.compile(r"[0-9A-Za-z_-]{1,64}")


@asynccontextmanager
async def open_client(settings: S3Settings) -> AsyncIterator[Any]:
    """The process's one S3 client; credentials from the AWS chain."""
    config = AioConfig(
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        retries={"max_attempts": settings.max_attempts, "mode": "standard"},
        s3={"addressing_style": settings.addressing_style},
        max_pool_connections=settings.max_connections,
    )
    session = get_session()
    async with session.create_client(
        "s3", region_name=settings.region or None, endpoint_url=settings.endpoint_url or None, config=config
    ) as client:
        yield client


class S3OriginStore:
    def __init__(self, client: Any, bucket: str, prefix: str, settings: S3Settings, metrics: Metrics) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.settings = settings
        self.metrics = metrics
        self._lookups: TTLMap[OriginVersion | None] = TTLMap(_MAX_LOOKUP_ENTRIES, settings.lookup_seconds)
        self._lookups_in_flight = SingleFlight()  # concurrent lookups of one public_id share one LIST
        # Bumped by every write and forget: a LIST that started before it must not cache its answer.
        self._generation = 0
        self._swept: dict[str, float] = {}

    def key_for(self, cloud: str, public_id: str) -> str:
        """The key stem (no extension) of a public_id."""
        return self._key(cloud, public_id)

    def _key(self, *parts: str) -> str:
        return "/".join((self.prefix, *parts)) if self.prefix else "/".join(parts)

    async def locate(self, cloud: str, public_id: str) -> OriginVersion:
        if any(p in ("", ".", "..") for p in [cloud, *public_id.split("/")]) or cloud.startswith("."):
            raise ResourceNotFound(f"Resource not found - {public_id}")
        key = (cloud, public_id)
        if key in self._lookups:
            version = self._lookups.get(key)
        else:
            version, _ = await self._lookups_in_flight.run(key, lambda: self._lookup(*key))
        if version is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return version

    async def _lookup(self, cloud: str, public_id: str) -> OriginVersion | None:
        generation = self._generation
        candidates = await self._extensions(self.key_for(cloud, public_id))
        version = None
        if candidates:
            best = candidates[0]
            etag = str(best.get("ETag", "")).strip('"')
            version = OriginVersion(best["Key"], f"{etag}@{_stamp(best.get('LastModified'))}", int(best.get("Size", 0)))
        if generation != self._generation:  # a write or an invalidation came meanwhile: do not keep this answer
            return version
        ttl = self.settings.lookup_seconds if version else self.settings.negative_lookup_seconds
        self._lookups.put((cloud, public_id), version, ttl)
        return version

    async def _extensions(self, stem: str) -> list[dict[str, Any]]:
        """The objects `<stem>.<ext>`, preferred first."""
        # "<stem>." lists only this stem's extensions (not "<stem>-2.jpg", which sorts before
        # "<stem>.jpg" and could crowd it out of the page); "/" keeps "<stem>.d/..." out.
        listing = await self._call(
            "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=stem + ".", Delimiter="/", MaxKeys=100)
        )
        candidates = []
        for item in listing.get("Contents", []):
            extension = item["Key"][len(stem) + 1:]
            if extension and "." not in extension:
                candidates.append(item)
        candidates.sort(key=lambda item: _preference(item["Key"][len(stem):]))
        return candidates

    def forget(self, cloud: str, public_id: str) -> None:
        """An invalidation: the next request looks the key up again."""
        self._generation += 1
        self._lookups.pop((cloud, public_id))
        self._lookups_in_flight.forget((cloud, public_id))

    def forget_all(self) -> None:
        self._generation += 1
        self._lookups.clear()
        self._lookups_in_flight.clear()

    async def read(self, version: OriginVersion, max_bytes: int) -> bytes:
        if version.size > max_bytes:
            raise SourceTooLarge(f"File size too large - {version.size} bytes (max {max_bytes})")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.call_timeout_seconds):
                # If-Match: the bytes belong to the version the derivative key was made from.
                etag = version.token.rpartition("@")[0] or version.token
                response = await self.client.get_object(Bucket=self.bucket, Key=version.locator, IfMatch=f'"{etag}"')
                data = await _read_capped(response["Body"], max_bytes)
        except SourceTooLarge:
            self._record("get", "too_large", started)
            raise
        except Exception as exc:
            error, result = _translate(exc)
            if result in ("not_found", "changed"):
                self._forget_locator(version.locator)
            self._record("get", result, started)
            raise error from None
        self._record("get", "ok", started)
        self.metrics.s3_bytes.inc(len(data))
        return data

    # -- writes (Upload and Admin APIs), as the folder store's: stage invisibly, publish by a
    # copy into place, drop the other extensions so the new format wins; every write forgets
    # the lookup at once (other nodes are told by Delivery.invalidate).

    async def stage(self, cloud: str, public_id: str, extension: str, data: bytes, mtime_ns: int | None = None) -> Staged:
        """Put the bytes under `.edge/staging/`: invisible until `publish`. `mtime_ns` is not needed:
        S3 stamps every write with its own LastModified, which is part of the version token."""
        target = self._target(cloud, public_id, extension)
        await self._sweep("staging")
        temp = self._key(_OWN, "staging", secrets.token_hex(16))
        await self._call("put", lambda: self.client.put_object(
            Bucket=self.bucket, Key=temp, Body=data, ContentType=_content_type(extension)
        ))
        return Staged(temp, target, cloud, public_id)

    async def publish(self, staged: Staged) -> None:
        await self._copy(staged.temp, staged.target)
        # The new object is in place: from here a failure must not undo the record (it would no
        # longer match what is served). A staged object left behind is swept; an old sibling is logged.
        try:
            siblings = [item["Key"] for item in await self._extensions(self.key_for(staged.cloud, staged.public_id))]
            await self._delete_keys([key for key in siblings if key != staged.target] + [staged.temp])
        except EdgeError as exc:
            log.error("Published %s but could not remove its other extensions or staged copy: %s", staged.target, exc)
        finally:
            self.forget(staged.cloud, staged.public_id)

    async def is_staged(self, staged: Staged) -> bool:
        """Whether the staged object is still there, i.e. was never published (write recovery)."""
        listing = await self._call(
            "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=staged.temp, MaxKeys=1)
        )
        return any(item["Key"] == staged.temp for item in listing.get("Contents", []))

    async def discard(self, staged: Staged) -> None:
        """Called while another failure propagates: never raise over it (a leftover is swept)."""
        try:
            await self._delete_keys([staged.temp])
        except EdgeError as exc:
            log.warning("Could not discard %s: %s", staged.temp, exc)

    async def delete(self, cloud: str, public_id: str) -> bool:
        """Every extension of the public_id; False when there was none."""
        if any(p in ("", ".", "..") for p in [cloud, *public_id.split("/")]) or cloud.startswith("."):
            return False
        keys = [item["Key"] for item in await self._extensions(self.key_for(cloud, public_id))]
        await self._delete_keys(keys)
        self.forget(cloud, public_id)
        return bool(keys)

    async def move(self, cloud: str, from_id: str, to_id: str, mtime_ns: int | None = None) -> None:
        """Copy to the new public_id (keeping the extension), then delete the old key and the new
        id's other extensions. The copy's LastModified gives it a new version token."""
        self.forget(cloud, from_id)
        version = await self.locate(cloud, from_id)
        extension = version.locator.rpartition(".")[2]
        target = self._target(cloud, to_id, extension)
        if target == version.locator:
            return
        await self._copy(version.locator, target)
        others = [item["Key"] for item in await self._extensions(self.key_for(cloud, to_id))]
        await self._delete_keys([key for key in others if key != target] + [version.locator])
        self.forget(cloud, from_id)
        self.forget(cloud, to_id)

    async def keep(self, locator: str, area: str, name: str) -> str:
        """Copy an original aside (backups) under `<prefix>/.edge/<area>/`; returns the copy's key."""
        parts = [*area.split("/"), *name.split("/")]
        if not self._owns(locator) or any(p in ("", ".", "..") for p in parts):
            raise ResourceNotFound("Resource not found")
        target = self._key(_OWN, *parts)
        await self._copy(locator, target)
        return target

    async def read_locator(self, locator: str, max_bytes: int) -> bytes:
        if not self._owns(locator):
            raise ResourceNotFound("Resource not found")
        return await self._get(locator, max_bytes)

    async def add_part(self, upload: str, start: int, data: bytes, total: int) -> bytes | None:
        """One chunk of a chunked upload (`upload` is a safe token), kept under `.edge/parts/<upload>/`;
        the whole file once the chunks cover `total` bytes, end to end."""
        if not _UPLOAD_TOKEN.fullmatch(upload) or start < 0 or total <= 0:
            raise InvalidParameter("Invalid chunk")
        await self._sweep("parts")
        folder = self._key(_OWN, "parts", upload) + "/"
        await self._call("put", lambda: self.client.put_object(Bucket=self.bucket, Key=f"{folder}{start:020d}", Body=data))
        listing = await self._call(
            "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=folder, MaxKeys=_MAX_PARTS + 1)
        )
        parts = sorted(listing.get("Contents", []), key=lambda item: item["Key"])
        if len(parts) > _MAX_PARTS:
            await self._delete_keys([item["Key"] for item in parts])
            raise InvalidParameter(f"Too many chunks - at most {_MAX_PARTS}")
        if sum(int(item.get("Size", 0)) for item in parts) < total:
            return None
        offset = 0
        for item in parts:  # end to end, no gap or overlap (a resent chunk replaced its own key)
            if int(item["Key"][len(folder):]) != offset:
                break
            offset += int(item.get("Size", 0))
        if offset != total:
            await self._delete_keys([item["Key"] for item in parts])
            raise InvalidParameter(f"Invalid chunks - they do not make {total} bytes end to end")
        chunks = [await self._get(item["Key"], int(item.get("Size", 0))) for item in parts]
        await self._delete_keys([item["Key"] for item in parts])
        return b"".join(chunks)

    def _target(self, cloud: str, public_id: str, extension: str) -> str:
        parts = [cloud, *public_id.split("/")]
        if (
            any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts)
            or not extension or "/" in extension or "." in extension
        ):
            raise ResourceNotFound(f"Invalid public_id - {public_id}")
        return f"{self.key_for(cloud, public_id)}.{extension}"

    def _owns(self, key: str) -> bool:
        """A key under this store's prefix, with no `..` trick."""
        root = self.prefix + "/" if self.prefix else ""
        return key.startswith(root) and all(p not in ("", ".", "..") for p in key[len(root):].split("/"))

    async def _copy(self, source: str, target: str) -> None:
        await self._call("copy", lambda: self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        ))

    async def _get(self, key: str, max_bytes: int) -> bytes:
        async def get() -> bytes:
            response = await self.client.get_object(Bucket=self.bucket, Key=key)
            return await _read_capped(response["Body"], max_bytes)

        data = await self._call("get", get)
        self.metrics.s3_bytes.inc(len(data))
        return data

    async def _delete_keys(self, keys: list[str]) -> None:
        for first in range(0, len(keys), _DELETE_BATCH):
            batch = keys[first:first + _DELETE_BATCH]
            answer = await self._call("delete", lambda batch=batch: self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            ))
            if answer.get("Errors"):
                error = answer["Errors"][0]
                raise OriginUnavailable("Storage error", detail=f"S3 DeleteObjects {error.get('Code')}: {error.get('Key')}")

    async def _sweep(self, area: str) -> None:
        """Drop what crashed uploads left under `.edge/<area>/` (one page per sweep, every ten
        minutes): a staged object, or a chunked upload whose newest part, older than an hour."""
        now = time.monotonic()
        if self._swept.get(area, 0.0) > now:
            return
        self._swept[area] = now + _SWEEP_EVERY_SECONDS
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=_LEFTOVERS_KEPT_SECONDS)
        folder = self._key(_OWN, area) + "/"
        try:
            listing = await self._call(
                "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=folder, MaxKeys=1000)
            )
            groups: dict[str, list[dict[str, Any]]] = {}
            for item in listing.get("Contents", []):
                groups.setdefault(item["Key"][len(folder):].partition("/")[0], []).append(item)
            if listing.get("IsTruncated") and groups:  # the last upload may go on in the next page
                groups.pop(next(reversed(groups)))
            await self._delete_keys([
                item["Key"] for items in groups.values() if max(i["LastModified"] for i in items) < cutoff for item in items
            ])
        except EdgeError as exc:  # a failed sweep must not fail the upload; the next one tries again
            log.warning("Could not sweep %s: %s", area, exc)

    async def check(self) -> None:
        await self._call("head_bucket", lambda: self.client.head_bucket(Bucket=self.bucket), timeout=2.0)

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout or self.settings.call_timeout_seconds):
                result = await call()
        except Exception as exc:
            error, category = _translate(exc)
            self._record(operation, category, started)
            raise error from None
        self._record(operation, "ok", started)
        return result

    def _record(self, operation: str, result: str, started: float) -> None:
        self.metrics.s3_requests.labels(operation, result).inc()
        self.metrics.s3_seconds.labels(operation).observe(time.perf_counter() - started)

    def _forget_locator(self, locator: str) -> None:
        self._generation += 1
        for key, version in self._lookups.items():
            if version is not None and version.locator == locator:
                self._lookups.pop(key)


async def _read_capped(body: Any, max_bytes: int) -> bytes:
    chunks, total = [], 0
    async with body as stream:
        while chunk := await stream.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise SourceTooLarge(f"File size too large - over {max_bytes} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _translate(exc: BaseException) -> tuple[EdgeError, str]:
    """A botocore/aiohttp/asyncio failure -> (edge error, metrics result)."""
    if isinstance(exc, EdgeError):
        return exc, "too_large" if isinstance(exc, SourceTooLarge) else "error"
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code == "NoSuchBucket":  # a configuration fault, not a missing image
            return OriginUnavailable("Storage error", detail=str(exc)), "error"
        if code in _MISSING or status == 404:
            return ResourceNotFound("Resource not found", detail=f"S3 {code}"), "not_found"
        if code in ("PreconditionFailed", "412") or status == 412:
            return OriginChanged("Original changed while it was read - retry", detail=str(exc)), "changed"
        if code in _THROTTLED or status in (429, 503):
            return OriginThrottled("Storage is throttling requests - retry shortly", detail=str(exc)), "throttled"
        return OriginUnavailable("Storage error", detail=str(exc)), "error"
    if isinstance(exc, (TimeoutError, ConnectTimeoutError, ReadTimeoutError)):
        return OriginTimeout("Storage timed out", detail=repr(exc)), "timeout"
    if isinstance(exc, (BotoCoreError, aiohttp.ClientError, OSError)):
        return OriginUnavailable("Storage unreachable", detail=repr(exc)), "error"
    return OriginUnavailable("Storage error", detail=repr(exc)), "error"


def _stamp(last_modified: Any) -> str:
    """LastModified as hex milliseconds: with the ETag, it makes the version token."""
    if isinstance(last_modified, datetime.datetime):
        return f"{int(last_modified.timestamp() * 1000):x}"
    return str(last_modified or "")


def _content_type(extension: str) -> str:
    return mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"


def _preference(extension: str) -> tuple[int, str]:
    ext = extension.lower()
    return (_PREFERRED.index(ext) if ext in _PREFERRED else len(_PREFERRED), extension)
