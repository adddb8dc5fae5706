"""Notifications: POST a JSON body to a notification_url, signed like Cloudinary's.

`X-Cld-Timestamp` and `X-Cld-Signature` (hex SHA-1 of body + timestamp + secret), so a
receiver verifies with the SDK's `verify_notification_signature`. Sent by tracked background
tasks (never blocking the API response), retried with exponential backoff, drained on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from edge.concurrency.tasks import BackgroundTasks
from edge.signing import notification_headers

log = logging.getLogger(__name__)


class Notifier:
    def __init__(
        self, attempts: int, timeout: float, backoff: float = 1.0, record: Callable[[str], None] = lambda result: None
    ) -> None:
        self.attempts = max(1, attempts)
        self._record = record  # metrics: "delivered" | "retried" | "failed"
        self.timeout = timeout
        self.backoff = backoff
        self._session: aiohttp.ClientSession | None = None
        self._tasks = BackgroundTasks("notifications")
        self.delivered = 0
        self.failed = 0

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def close(self, grace: float = 5.0) -> None:
        await self._tasks.close(grace)
        if self._session is not None:
            await self._session.close()

    def send(self, url: str, payload: dict[str, Any], secret: str) -> None:
        """Queue one notification; returns at once."""
        if not url:
            return
        self._tasks.spawn(self._deliver(url, payload, secret))

    async def drain(self) -> None:
        await self._tasks.drain()

    async def _deliver(self, url: str, payload: dict[str, Any], secret: str) -> None:
        assert self._session is not None
        body = json.dumps(payload)
        for attempt in range(self.attempts):
            timestamp = int(time.time())
            headers = notification_headers(body, timestamp, secret)
            try:
                async with self._session.post(url, data=body.encode(), headers=headers) as response:
                    if response.status < 300:
                        self.delivered += 1
                        self._record("delivered")
                        return
                    reason = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = type(exc).__name__
            log.info("notification to %s failed (%s), attempt %d/%d", url, reason, attempt + 1, self.attempts)
            if attempt + 1 < self.attempts:
                self._record("retried")
                await asyncio.sleep(self.backoff * 2**attempt)
        self.failed += 1
        self._record("failed")
        log.warning("notification to %s given up after %d attempts", url, self.attempts)
