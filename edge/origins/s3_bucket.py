"""The S3 bucket as edge calls it: keys under the prefix, one timed and translated call.

Botocore's exceptions stop here: NoSuchKey -> ResourceNotFound (404); throttling and 5xx ->
OriginUnavailable (502); timeouts -> OriginTimeout (504). Edge's own objects live under
`<prefix>/.edge/` (staging, chunk parts, backups), where no public_id can reach them: a
segment may not start with a dot.
"""

from __future__ import annotations

import asyncio
import datetime
import mimetypes
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from edge.errors import (
    EdgeError,
    OriginChanged,
    OriginThrottled,
    OriginTimeout,
    OriginUnavailable,
    ResourceNotFound,
    SourceTooLarge,
)
from edge.metrics import Metrics
from edge.settings import S3Settings

T = TypeVar("T")

# When several keys share a stem, prefer the usual image formats, in this order (as the folder store).
_PREFERRED = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".heic", ".tif", ".tiff")
_THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
              "ServiceUnavailable", "RequestThrottled"}
_MISSING = {"NoSuchKey", "NotFound", "404"}
_CHUNK = 256 * 1024
OWN = ".edge"  # edge's own objects; no public_id segment may start with a dot
_DELETE_BATCH = 1000  # DeleteObjects' limit


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


class S3Bucket:
    def __init__(self, client: Any, bucket: str, prefix: str, settings: S3Settings, metrics: Metrics) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.settings = settings
        self.metrics = metrics

    def key_for(self, cloud: str, public_id: str) -> str:
        """The key stem (no extension) of a public_id."""
        return self.key(cloud, public_id)

    def key(self, *parts: str) -> str:
        return "/".join((self.prefix, *parts)) if self.prefix else "/".join(parts)

    async def extensions(self, stem: str) -> list[dict[str, Any]]:
        """The objects `<stem>.<ext>`, preferred first."""
        # "<stem>." lists only this stem's extensions (not "<stem>-2.jpg", which sorts before
        # "<stem>.jpg" and could crowd it out of the page); "/" keeps "<stem>.d/..." out.
        listing = await self.call(
            "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=stem + ".", Delimiter="/", MaxKeys=100)
        )
        candidates = []
        for item in listing.get("Contents", []):
            extension = item["Key"][len(stem) + 1:]
            if extension and "." not in extension:
                candidates.append(item)
        candidates.sort(key=lambda item: _preference(item["Key"][len(stem):]))
        return candidates

    def owns(self, key: str) -> bool:
        """A key under this store's prefix, with no `..` trick."""
        root = self.prefix + "/" if self.prefix else ""
        return key.startswith(root) and all(p not in ("", ".", "..") for p in key[len(root):].split("/"))

    async def copy(self, source: str, target: str) -> None:
        await self.call("copy", lambda: self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        ))

    async def get(self, key: str, max_bytes: int) -> bytes:
        async def get() -> bytes:
            response = await self.client.get_object(Bucket=self.bucket, Key=key)
            return await _read_capped(response["Body"], max_bytes)

        data = await self.call("get", get)
        self.metrics.s3_bytes.inc(len(data))
        return data

    async def delete_keys(self, keys: list[str]) -> None:
        for first in range(0, len(keys), _DELETE_BATCH):
            batch = keys[first:first + _DELETE_BATCH]
            answer = await self.call("delete", lambda batch=batch: self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            ))
            if answer.get("Errors"):
                error = answer["Errors"][0]
                raise OriginUnavailable("Storage error", detail=f"S3 DeleteObjects {error.get('Code')}: {error.get('Key')}")

    async def check(self) -> None:
        await self.call("head_bucket", lambda: self.client.head_bucket(Bucket=self.bucket), timeout=2.0)

    async def call(self, operation: str, call: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
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

