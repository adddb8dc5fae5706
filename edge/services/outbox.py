"""The durable outbox's worker: one per process, owned by a cleanup_ctx. It claims due rows
(with a lease, see edge.catalog.outbox), runs each with the handler of its kind, and deletes it,
or schedules the next attempt with exponential backoff, or after the last attempt keeps it as
`failed`. A row written by a process that then crashed is done by whichever process is up.

Webhook rows are delivered here: a JSON POST signed like Cloudinary's notifications
(`X-Cld-Timestamp`, `X-Cld-Signature` = hex SHA-1 of body + timestamp + secret), the secret
looked up from the key that made the call when the row is sent (secrets never enter the catalog).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from edge.catalog import outbox as rows
from edge.catalog.db import Database
from edge.catalog.outbox import OutboxRow
from edge.settings import ApiSettings
from edge.signing import Keyring, notification_headers

log = logging.getLogger(__name__)
Handler = Callable[[OutboxRow], Awaitable[None]]
_BATCH = 16


class DeliveryFailed(Exception):
    """A handler's way of saying: try again later."""


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Outbox:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        *,
        attempts: int,
        timeout: float,
        backoff: float = 1.0,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        record: Callable[[str], None] = lambda result: None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff
        self.lease_ms = int(lease_seconds * 1000)
        self.poll_seconds = poll_seconds
        self._record = record  # metrics: "delivered" | "retried" | "failed"
        self.owner = secrets.token_hex(8)  # this process, as a lease holder
        self.handlers: dict[str, Handler] = {"webhook": self._webhook}
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    @classmethod
    def for_settings(cls, db: Database, keyring: Keyring, api: ApiSettings, record: Callable[[str], None]) -> Outbox:
        return cls(db, keyring, attempts=api.webhook_attempts, timeout=api.webhook_timeout_seconds,
                   lease_seconds=api.outbox_lease_seconds, poll_seconds=api.outbox_poll_seconds, record=record)

    # -- writing rows (inside the caller's transaction) ---------------------------------------

    async def add(self, db: Database, cloud: str, api_key: str, kind: str, target: str, payload: dict[str, Any],
                  *, hold_seconds: float = 0.0) -> str:
        """One row in `db`'s transaction. hold_seconds > 0: this process finishes it (release)
        before anyone sends it; if this process dies first, it is sent as written."""
        id_ = secrets.token_hex(12)
        now = _now_ms()
        held = now + int(hold_seconds * 1000) if hold_seconds > 0 else 0
        await rows.add(db, OutboxRow(id_, cloud, api_key, kind, target, payload, 0), _iso(),
                       now_ms=now, held_until=held, owner=self.owner if held else "")
        return id_

    async def release(self, ids: list[str], payload: dict[str, Any] | None = None) -> None:
        if ids:
            await rows.release(self.db, ids, self.owner, payload)
            self.wake()

    def wake(self) -> None:
        """New rows were committed: look now rather than at the next poll."""
        self._wake.set()

    # -- the worker ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def __aenter__(self) -> Outbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self, grace: float = 5.0) -> None:
        """Stop claiming; give running rows `grace` seconds (an unfinished one is claimed again later)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._running:
            _, pending = await asyncio.wait(list(self._running), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except Exception as exc:  # noqa: BLE001  (a catalog that is down: try again at the next poll)
                log.warning("outbox: claiming failed: %r", exc)
                claimed = 0
            if claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def run_once(self) -> int:
        """Claim what is due and run it (concurrently); the number claimed."""
        claimed = await rows.claim(self.db, self.owner, _now_ms(), self.lease_ms, _BATCH)
        tasks = [asyncio.get_running_loop().create_task(self._handle(row)) for row in claimed]
        self._running.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._running.difference_update(tasks)
        return len(claimed)

    async def drain(self, timeout: float = 30.0) -> None:
        """Until nothing is due now (tests, shutdown of a single node)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            due = await rows.earliest_due(self.db)
            if due is None or due > _now_ms():
                return
            if not await self.run_once():
                await asyncio.sleep(0.05)

    async def _handle(self, row: OutboxRow) -> None:
        handler = self.handlers.get(row.kind)
        try:
            if handler is None:
                raise DeliveryFailed(f"no handler for {row.kind}")
            await handler(row)
        except Exception as exc:  # noqa: BLE001  (any failure is a retry, then a kept failure)
            attempt = row.attempts + 1
            give_up = attempt >= self.attempts
            reason = str(exc) or type(exc).__name__
            log.info("outbox %s %s failed (%s), attempt %d/%d", row.kind, row.id, reason, attempt, self.attempts)
            self._record("failed" if give_up else "retried")
            if give_up:
                log.warning("outbox %s %s given up after %d attempts: %s", row.kind, row.id, attempt, reason)
            next_at = _now_ms() + int(self.backoff * 1000 * 2 ** (attempt - 1))
            await rows.retry(self.db, row.id, self.owner, next_at, reason, give_up=give_up)
            return
        self._record("delivered")
        await rows.done(self.db, row.id, self.owner)

    async def _webhook(self, row: OutboxRow) -> None:
        assert self._session is not None
        api_key = self.keyring.find(row.cloud, row.api_key)
        if api_key is None:
            keys = self.keyring.keys(row.cloud)
            if not keys:
                raise DeliveryFailed(f"unknown cloud {row.cloud}")
            api_key = keys[0]
        secret = api_key.secret
        if hasattr(self.keyring, "webhook_secret"):  # the cloud's key dedicated_for webhooks, when it has one
            secret = self.keyring.webhook_secret(secret)
        body = json.dumps(row.payload)
        timestamp = int(time.time())
        headers = notification_headers(body, timestamp, secret)
        try:
            async with self._session.post(row.target, data=body.encode(), headers=headers) as response:
                if response.status >= 300:
                    raise DeliveryFailed(f"HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryFailed(type(exc).__name__) from None
