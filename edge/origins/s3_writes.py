"""Writes to S3 (the Upload and Admin APIs), as the folder store's: stage invisibly under
`.edge/staging/`, publish by a copy into place, drop the other extensions so the new format
wins; every write forgets the lookup at once (other nodes are told by Delivery.invalidate)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from edge.errors import EdgeError, ResourceNotFound
from edge.metrics import Metrics
from edge.origins.base import Staged
from edge.origins.s3_bucket import OWN, _content_type
from edge.origins.s3_lookups import S3Lookups
from edge.origins.s3_parts import add_part
from edge.origins.s3_janitor import Janitor
from edge.settings import S3Settings

log = logging.getLogger(__name__)


class S3Writes(S3Lookups):
    def __init__(self, client: Any, bucket: str, prefix: str, settings: S3Settings, metrics: Metrics) -> None:
        super().__init__(client, bucket, prefix, settings, metrics)
        self.janitor = Janitor(self)

    async def stage(self, cloud: str, public_id: str, extension: str, data: bytes, mtime_ns: int | None = None) -> Staged:
        """Put the bytes under `.edge/staging/`: invisible until `publish`. `mtime_ns` is not needed:
        S3 stamps every write with its own LastModified, which is part of the version token."""
        target = self._target(cloud, public_id, extension)
        await self.janitor.sweep("staging")
        temp = self.key(OWN, "staging", secrets.token_hex(16))
        await self.call("put", lambda: self.client.put_object(
            Bucket=self.bucket, Key=temp, Body=data, ContentType=_content_type(extension)
        ))
        return Staged(temp, target, cloud, public_id)

    async def publish(self, staged: Staged) -> None:
        await self.copy(staged.temp, staged.target)
        # The new object is in place: from here a failure must not undo the record (it would no
        # longer match what is served). A staged object left behind is swept; an old sibling is logged.
        try:
            siblings = [item["Key"] for item in await self.extensions(self.key_for(staged.cloud, staged.public_id))]
            await self.delete_keys([key for key in siblings if key != staged.target] + [staged.temp])
        except EdgeError as exc:
            log.error("Published %s but could not remove its other extensions or staged copy: %s", staged.target, exc)
        finally:
            self.forget(staged.cloud, staged.public_id)

    async def is_staged(self, staged: Staged) -> bool:
        """Whether the staged object is still there, i.e. was never published (write recovery)."""
        listing = await self.call(
            "list", lambda: self.client.list_objects_v2(Bucket=self.bucket, Prefix=staged.temp, MaxKeys=1)
        )
        return any(item["Key"] == staged.temp for item in listing.get("Contents", []))

    async def discard(self, staged: Staged) -> None:
        """Called while another failure propagates: never raise over it (a leftover is swept)."""
        try:
            await self.delete_keys([staged.temp])
        except EdgeError as exc:
            log.warning("Could not discard %s: %s", staged.temp, exc)

    async def delete(self, cloud: str, public_id: str) -> bool:
        """Every extension of the public_id; False when there was none."""
        if any(p in ("", ".", "..") for p in [cloud, *public_id.split("/")]) or cloud.startswith("."):
            return False
        keys = [item["Key"] for item in await self.extensions(self.key_for(cloud, public_id))]
        await self.delete_keys(keys)
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
        await self.copy(version.locator, target)
        others = [item["Key"] for item in await self.extensions(self.key_for(cloud, to_id))]
        await self.delete_keys([key for key in others if key != target] + [version.locator])
        self.forget(cloud, from_id)
        self.forget(cloud, to_id)

    async def keep(self, locator: str, area: str, name: str) -> str:
        """Copy an original aside (backups) under `<prefix>/.edge/<area>/`; returns the copy's key."""
        parts = [*area.split("/"), *name.split("/")]
        if not self.owns(locator) or any(p in ("", ".", "..") for p in parts):
            raise ResourceNotFound("Resource not found")
        target = self.key(OWN, *parts)
        await self.copy(locator, target)
        return target

    async def read_locator(self, locator: str, max_bytes: int) -> bytes:
        if not self.owns(locator):
            raise ResourceNotFound("Resource not found")
        return await self.get(locator, max_bytes)

    async def add_part(self, upload: str, start: int, data: bytes, total: int) -> bytes | None:
        """One chunk of a chunked upload (`upload` is a safe token); the whole file once all arrived."""
        return await add_part(self, self.janitor, upload, start, data, total)

    def _target(self, cloud: str, public_id: str, extension: str) -> str:
        parts = [cloud, *public_id.split("/")]
        if (
            any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts)
            or not extension or "/" in extension or "." in extension
        ):
            raise ResourceNotFound(f"Invalid public_id - {public_id}")
        return f"{self.key_for(cloud, public_id)}.{extension}"

