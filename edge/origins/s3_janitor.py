"""The S3 janitor: what crashed uploads left under `.edge/` (staged objects, chunk parts) is
swept after an hour, one page at a time, at most every ten minutes per area."""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from edge.errors import EdgeError
from edge.origins.s3_bucket import OWN, S3Bucket

log = logging.getLogger(__name__)
_LEFTOVERS_KEPT_SECONDS = 3600  # staged objects and chunk parts older than this are abandoned
_SWEEP_EVERY_SECONDS = 600


class Janitor:
    def __init__(self, bucket: S3Bucket) -> None:
        self.bucket = bucket
        self._swept: dict[str, float] = {}

    async def sweep(self, area: str) -> None:
        """Drop what crashed uploads left under `.edge/<area>/` (one page per sweep, every ten
        minutes): a staged object, or a chunked upload whose newest part, older than an hour."""
        now = time.monotonic()
        if self._swept.get(area, 0.0) > now:
            return
        self._swept[area] = now + _SWEEP_EVERY_SECONDS
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=_LEFTOVERS_KEPT_SECONDS)
        folder = self.bucket.key(OWN, area) + "/"
        try:
            listing = await self.bucket.call(
                "list", lambda: self.bucket.client.list_objects_v2(Bucket=self.bucket.bucket, Prefix=folder, MaxKeys=1000)
            )
            groups: dict[str, list[dict[str, Any]]] = {}
            for item in listing.get("Contents", []):
                groups.setdefault(item["Key"][len(folder):].partition("/")[0], []).append(item)
            if listing.get("IsTruncated") and groups:  # the last upload may go on in the next page
                groups.pop(next(reversed(groups)))
            await self.bucket.delete_keys([
                item["Key"] for items in groups.values() if max(i["LastModified"] for i in items) < cutoff for item in items
            ])
        except EdgeError as exc:  # a failed sweep must not fail the upload; the next one tries again
            log.warning("Could not sweep %s: %s", area, exc)

