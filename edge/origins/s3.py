"""S3 (and S3-compatible) originals: `s3://bucket/prefix`, key `<prefix>/<cloud>/<path>/<name>.<ext>`.

One aiobotocore client per process, opened by `open_client` in a cleanup_ctx. Botocore's
exceptions stop here: NoSuchKey -> ResourceNotFound (404); throttling and 5xx ->
OriginUnavailable (502); timeouts -> OriginTimeout (504).

A public_id does not say its extension, and a HEAD per candidate extension would cost
several round trips. One `ListObjectsV2(Prefix="<...>/<name>.", Delimiter="/")` finds the
key, its ETag (the version token) and its size in one call; the answer, found or not, is
kept for a short time per process, and an invalidation message (`forget`) drops it sooner.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from edge.errors import EdgeError, OriginChanged, OriginThrottled, OriginTimeout, OriginUnavailable, ResourceNotFound, SourceTooLarge
from edge.metrics import Metrics
from edge.origins.base import OriginVersion
from edge.settings import S3Settings

T = TypeVar("T")

# When several keys share a stem, prefer the usual image formats, in this order (as the folder store).
_PREFERRED = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".heic", ".tif", ".tiff")
_THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
              "ServiceUnavailable", "RequestThrottled"}
_MISSING = {"NoSuchKey", "NotFound", "404"}
_MAX_LOOKUP_ENTRIES = 100_000
_CHUNK = 256 * 1024


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
        self._lookups: dict[tuple[str, str], tuple[float, OriginVersion | None]] = {}
        self._lookups_in_flight: dict[tuple[str, str], asyncio.Future[OriginVersion | None]] = {}

    def key_for(self, cloud: str, public_id: str) -> str:
        """The key stem (no extension) of a public_id."""
        return f"{self.prefix}/{cloud}/{public_id}" if self.prefix else f"{cloud}/{public_id}"

    async def locate(self, cloud: str, public_id: str) -> OriginVersion:
        if any(p in ("", ".", "..") for p in [cloud, *public_id.split("/")]):
            raise ResourceNotFound(f"Resource not found - {public_id}")
        key = (cloud, public_id)
        cached = self._lookups.get(key)
        if cached is None or cached[0] <= time.monotonic():
            version = await self._lookup_once(key)
        else:
            version = cached[1]
        if version is None:
            raise ResourceNotFound(f"Resource not found - {public_id}")
        return version

    async def _lookup_once(self, key: tuple[str, str]) -> OriginVersion | None:
        """Concurrent lookups of one public_id share one LIST."""
        flight = self._lookups_in_flight.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        task = asyncio.ensure_future(self._lookup(*key))
        self._lookups_in_flight[key] = task
        task.add_done_callback(lambda _: self._lookups_in_flight.pop(key, None))
        return await asyncio.shield(task)

    async def _lookup(self, cloud: str, public_id: str) -> OriginVersion | None:
        stem = self.key_for(cloud, public_id)
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
        version = None
        if candidates:
            best = candidates[0]
            version = OriginVersion(best["Key"], str(best.get("ETag", "")).strip('"'), int(best.get("Size", 0)))
        ttl = self.settings.lookup_seconds if version else self.settings.negative_lookup_seconds
        if len(self._lookups) >= _MAX_LOOKUP_ENTRIES:
            self._lookups.clear()
        self._lookups[(cloud, public_id)] = (time.monotonic() + ttl, version)
        return version

    def forget(self, cloud: str, public_id: str) -> None:
        """An invalidation: the next request looks the key up again."""
        self._lookups.pop((cloud, public_id), None)

    def forget_all(self) -> None:
        self._lookups.clear()

    async def read(self, version: OriginVersion, max_bytes: int) -> bytes:
        if version.size > max_bytes:
            raise SourceTooLarge(f"File size too large - {version.size} bytes (max {max_bytes})")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.call_timeout_seconds):
                # If-Match: the bytes belong to the version the derivative key was made from.
                response = await self.client.get_object(Bucket=self.bucket, Key=version.locator, IfMatch=f'"{version.token}"')
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
        for key, (_, version) in list(self._lookups.items()):
            if version is not None and version.locator == locator:
                self._lookups.pop(key, None)


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
        return exc, "error"
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
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


def _preference(extension: str) -> tuple[int, str]:
    ext = extension.lower()
    return (_PREFERRED.index(ext) if ext in _PREFERRED else len(_PREFERRED), extension)
