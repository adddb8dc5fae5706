"""Usage: counted in memory on the request path (no catalog write per request), flushed to the
catalog's per-day table every few seconds by a background task, so figures survive restarts
and add up across processes and nodes. `usage` reports the last 30 days; `usage/<date>` one day.

Counters: `transformations` (renders), `requests` (deliveries), `bandwidth` (bytes delivered).
Snapshots, set at each flush for the clouds that were active: `storage` (original bytes),
`objects`, `derived_resources`; a report for today reads the catalog itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from edge.catalog import usage as store
from edge.catalog.db import Database
from edge.errors import InvalidParameter
from edge.settings import ApiSettings, LimitSettings

log = logging.getLogger(__name__)
COUNTERS = ("transformations", "requests", "bandwidth")
SNAPSHOTS = ("objects", "storage", "derived_resources")
WINDOW_DAYS = 30


def _day(at: float) -> str:
    """The UTC day of a timestamp. Called on every delivered request: formatted once per day."""
    return _day_named(int(at // 86400))


@functools.lru_cache(maxsize=4)
def _day_named(day_number: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day_number * 86400))


def parse_usage_date(text: str) -> datetime.date:
    """The SDK's `dd-mm-yyyy` (encode_date_to_usage_api_format), or `yyyy-mm-dd`."""
    try:
        if re.fullmatch(r"\d{2}-\d{2}-\d{4}", text):
            return datetime.datetime.strptime(text, "%d-%m-%Y").date()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidParameter(f"Invalid date - {text} (dd-mm-yyyy)")


def media_limits(max_upload_bytes: int, max_source_bytes: int, max_source_pixels: int) -> dict[str, int]:
    """`usage`'s media_limits, from the limits edge enforces."""
    return {"image_max_size_bytes": min(max_upload_bytes, max_source_bytes), "raw_max_size_bytes": max_upload_bytes,
            "image_max_px": max_source_pixels, "asset_max_total_px": max_source_pixels}


class UsageMeter:
    def __init__(self, db: Database, *, flush_seconds: float = 10.0, media_limits: Mapping[str, int] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self.media_limits = dict(media_limits or {})
        self._clock = clock
        self._counts: dict[tuple[str, str, str], int] = {}
        self._task: asyncio.Task[None] | None = None

    # -- the request path: memory only ---------------------------------------------------------

    def add(self, cloud: str, metric: str, amount: int = 1) -> None:
        key = (cloud, _day(self._clock()), metric)
        self._counts[key] = self._counts.get(key, 0) + amount

    def delivered(self, cloud: str, size: int) -> None:
        self.add(cloud, "requests")
        if size:
            self.add(cloud, "bandwidth", size)

    def rendered(self, cloud: str) -> None:
        self.add(cloud, "transformations")

    # -- flushing ------------------------------------------------------------------------------

    async def flush(self) -> None:
        counts, self._counts = self._counts, {}
        if not counts:
            return
        try:
            async with self.db.transaction() as tx:
                for (cloud, day, metric), value in counts.items():
                    await store.add(tx, cloud, day, metric, value)
        except BaseException:
            for key, value in counts.items():  # kept for the next flush
                self._counts[key] = self._counts.get(key, 0) + value
            raise
        today = _day(self._clock())
        for cloud in {c for c, _, _ in counts}:
            for metric, value in zip(SNAPSHOTS, await store.stored(self.db, cloud), strict=True):
                await store.set_(self.db, cloud, today, metric, value)

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    @classmethod
    def for_settings(cls, db: Database, api: ApiSettings, limits: LimitSettings) -> UsageMeter:
        return cls(db, flush_seconds=api.usage_flush_seconds,
                   media_limits=media_limits(api.max_upload_bytes, limits.max_source_bytes, limits.max_source_pixels))

    async def __aenter__(self) -> UsageMeter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()  # what this process counted since the last flush

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001  (a catalog that is down: the counts wait for the next flush)
                log.warning("usage: flush failed: %r", exc)

    # -- reports -------------------------------------------------------------------------------

    async def report(self, cloud: str, date: str | None = None) -> dict[str, Any]:
        today = datetime.datetime.fromtimestamp(self._clock(), datetime.UTC).date()
        if date:
            day = parse_usage_date(date)
            first = last = day
        else:
            day, first, last = today, today - datetime.timedelta(days=WINDOW_DAYS - 1), today
        totals = await store.totals(self.db, cloud, first.isoformat(), last.isoformat())
        for (c, d, metric), value in self._counts.items():  # not flushed yet: still this process's to count
            if c == cloud and first.isoformat() <= d <= last.isoformat():
                totals[metric] = totals.get(metric, 0) + value
        if day >= today:
            objects, storage, derived = await store.stored(self.db, cloud)
        else:
            objects, storage, derived = [await store.snapshot(self.db, cloud, m, day.isoformat()) or 0 for m in SNAPSHOTS]
        body: dict[str, Any] = {
            "plan": "edge",
            "last_updated": today.isoformat(),
            "transformations": {"usage": totals.get("transformations", 0), "credits_usage": 0},
            "objects": {"usage": objects},
            "bandwidth": {"usage": totals.get("bandwidth", 0), "credits_usage": 0},
            "storage": {"usage": storage, "credits_usage": 0},
            "requests": totals.get("requests", 0),
            "resources": objects,
            "derived_resources": derived,
            "media_limits": self.media_limits,
        }
        if date:
            body["date_requested"] = day.isoformat()
        return body
