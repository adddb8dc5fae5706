"""The outbox: work that must happen after a change (notifications, eager_async renders), written
in the change's own transaction and done by whichever node claims it.

A row is claimed by setting a lease (owner, until) with a conditional UPDATE: on both engines
only one claimant's UPDATE matches, so two nodes never run the same row at once. A node that
dies holding a lease loses it when the lease expires; the row is then claimed again. Times are
epoch milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edge.catalog.db import Database

SCHEMA: list[str] = [
    "CREATE TABLE outbox (id TEXT PRIMARY KEY, cloud TEXT NOT NULL, api_key TEXT NOT NULL, kind TEXT NOT NULL,"
    " target TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " next_at BIGINT NOT NULL, leased_until BIGINT NOT NULL, lease_owner TEXT NOT NULL, created_at TEXT NOT NULL,"
    " last_error TEXT NOT NULL)",
    "CREATE INDEX outbox_due ON outbox (state, next_at)",
]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: str
    cloud: str
    api_key: str  # the key whose secret signs a notification (never the secret itself)
    kind: str  # "webhook" | "eager" | ...
    target: str  # a webhook's URL
    payload: dict[str, Any]
    attempts: int


async def add(db: Database, row: OutboxRow, created_at: str, *, now_ms: int, held_until: int = 0, owner: str = "") -> None:
    """held_until > now: leased to `owner` (it will finish the row); if it dies, the row is free then."""
    await db.execute(
        "INSERT INTO outbox (id, cloud, api_key, kind, target, payload, state, attempts, next_at, leased_until,"
        " lease_owner, created_at, last_error) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, $10, '')",
        row.id, row.cloud, row.api_key, row.kind, row.target, json.dumps(row.payload), now_ms, held_until, owner, created_at,
    )


async def release(db: Database, ids: list[str], owner: str, payload: dict[str, Any] | None) -> None:
    for id_ in ids:
        if payload is None:
            await db.execute("UPDATE outbox SET leased_until = 0 WHERE id = $1 AND lease_owner = $2", id_, owner)
        else:
            await db.execute(
                "UPDATE outbox SET leased_until = 0, payload = $3 WHERE id = $1 AND lease_owner = $2",
                id_, owner, json.dumps(payload),
            )


async def claim(db: Database, owner: str, now_ms: int, lease_ms: int, limit: int) -> list[OutboxRow]:
    candidates = await db.fetch(
        "SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $1 AND leased_until <= $1 ORDER BY next_at LIMIT $2",
        now_ms, limit,
    )
    claimed = []
    for candidate in candidates:
        won = await db.execute(
            "UPDATE outbox SET lease_owner = $2, leased_until = $3 WHERE id = $1 AND state = 'pending'"
            " AND leased_until <= $4 AND next_at <= $4",
            candidate["id"], owner, now_ms + lease_ms, now_ms,
        )
        if won:
            row = await db.fetchrow(
                "SELECT id, cloud, api_key, kind, target, payload, attempts FROM outbox WHERE id = $1 AND lease_owner = $2",
                candidate["id"], owner,
            )
            if row is not None:
                claimed.append(OutboxRow(row["id"], row["cloud"], row["api_key"], row["kind"], row["target"],
                                         json.loads(row["payload"]), int(row["attempts"])))
    return claimed


async def done(db: Database, id_: str, owner: str) -> None:
    await db.execute("DELETE FROM outbox WHERE id = $1 AND lease_owner = $2", id_, owner)


async def retry(db: Database, id_: str, owner: str, next_at: int, error: str, *, give_up: bool) -> None:
    await db.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_at = $3, leased_until = 0, last_error = $4,"
        " state = $5 WHERE id = $1 AND lease_owner = $2",
        id_, owner, next_at, error[:500], "failed" if give_up else "pending",
    )


async def counts(db: Database) -> dict[str, int]:
    rows = await db.fetch("SELECT state, count(*) AS n FROM outbox GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


async def earliest_due(db: Database) -> int | None:
    row = await db.fetchrow("SELECT min(CASE WHEN next_at > leased_until THEN next_at ELSE leased_until END) AS due FROM outbox"
        " WHERE state = 'pending'")
    return int(row["due"]) if row and row["due"] is not None else None
