"""Triggers: webhook URLs configured per cloud and event type (the Admin API's /triggers)."""

from __future__ import annotations

from typing import Any

from edge.catalog.db import Database

SCHEMA: list[str] = [
    "CREATE TABLE triggers (cloud TEXT NOT NULL, id TEXT NOT NULL, uri TEXT NOT NULL, uri_type TEXT NOT NULL,"
    " event_type TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (cloud, id))",
]
_COLUMNS = "id, uri, uri_type, event_type, created_at, updated_at"


async def list_(db: Database, cloud: str, event_type: str | None = None) -> list[dict[str, Any]]:
    if event_type:
        rows = await db.fetch(
            f"SELECT {_COLUMNS} FROM triggers WHERE cloud = $1 AND event_type = $2 ORDER BY created_at, id", cloud, event_type
        )
    else:
        rows = await db.fetch(f"SELECT {_COLUMNS} FROM triggers WHERE cloud = $1 ORDER BY created_at, id", cloud)
    return [dict(r) for r in rows]


async def uris_for(db: Database, cloud: str, event_type: str) -> list[str]:
    """The webhooks of one event type, and those for `all`."""
    rows = await db.fetch(
        "SELECT uri FROM triggers WHERE cloud = $1 AND event_type IN ($2, 'all') AND uri_type = 'webhook'"
        " ORDER BY created_at, id",
        cloud, event_type,
    )
    return [r["uri"] for r in rows]


async def add(db: Database, cloud: str, trigger: dict[str, Any]) -> None:
    await db.execute(
        f"INSERT INTO triggers (cloud, {_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        cloud, trigger["id"], trigger["uri"], trigger["uri_type"], trigger["event_type"], trigger["created_at"],
        trigger["updated_at"],
    )


async def get(db: Database, cloud: str, id_: str) -> dict[str, Any] | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM triggers WHERE cloud = $1 AND id = $2", cloud, id_)
    return dict(row) if row else None


async def update(db: Database, cloud: str, id_: str, uri: str, updated_at: str) -> bool:
    return await db.execute(
        "UPDATE triggers SET uri = $3, updated_at = $4 WHERE cloud = $1 AND id = $2", cloud, id_, uri, updated_at
    ) > 0


async def delete(db: Database, cloud: str, id_: str) -> bool:
    return await db.execute("DELETE FROM triggers WHERE cloud = $1 AND id = $2", cloud, id_) > 0
