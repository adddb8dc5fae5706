"""Finding an S3 original and reading it.

A public_id does not say its extension, and a HEAD per candidate extension would cost
several round trips. One `ListObjectsV2(Prefix="<...>/<name>.", Delimiter="/")` finds the
key, its ETag (the version token) and its size in one call; the answer, found or not, is
kept for a short time per process, and an invalidation message (`forget`) drops it sooner.
The version token is the ETag (a hash of the bytes) and LastModified, so it changes on every
overwrite; reads send the ETag as If-Match.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from edge.concurrency.singleflight import SingleFlight
from edge.concurrency.ttl import TTLMap
from edge.errors import ResourceNotFound, SourceTooLarge
from edge.metrics import Metrics
from edge.origins.base import OriginVersion
from edge.origins.s3_bucket import S3Bucket, _read_capped, _stamp, _translate
from edge.settings import S3Settings

_MAX_LOOKUP_ENTRIES = 100_000


class S3Lookups(S3Bucket):
    def __init__(self, client: Any, bucket: str, prefix: str, settings: S3Settings, metrics: Metrics) -> None:
        super().__init__(client, bucket, prefix, settings, metrics)
        self._lookups: TTLMap[OriginVersion | None] = TTLMap(_MAX_LOOKUP_ENTRIES, settings.lookup_seconds)
        self._lookups_in_flight = SingleFlight()  # concurrent lookups of one public_id share one LIST
        # Bumped by every write and forget: a LIST that started before it must not cache its answer.
        self._generation = 0

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
        candidates = await self.extensions(self.key_for(cloud, public_id))
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

    def _forget_locator(self, locator: str) -> None:
        self._generation += 1
        for key, version in self._lookups.items():
            if version is not None and version.locator == locator:
                self._lookups.pop(key)


