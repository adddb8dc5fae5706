"""Structured metadata definitions: fields (with their datasources) and rules, per cloud.

A definition is kept as the JSON the Admin API answers with, plus its position (the order
`PUT /metadata_fields/order` sets). Values live on the asset (`assets.metadata`, JSON), where
the search and the listings read them.
"""

from __future__ import annotations

import json
from typing import Any

from edge.catalog.db import Database

SCHEMA: list[str] = [
    "CREATE TABLE metadata_fields (cloud TEXT NOT NULL, external_id TEXT NOT NULL, position INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, definition TEXT NOT NULL, PRIMARY KEY (cloud, external_id))",
    "CREATE TABLE metadata_rules (cloud TEXT NOT NULL, external_id TEXT NOT NULL, position INTEGER NOT NULL,"
    " definition TEXT NOT NULL, PRIMARY KEY (cloud, external_id))",
]


async def fields(db: Database, cloud: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT definition FROM metadata_fields WHERE cloud = $1 ORDER BY position, external_id", cloud
    )
    return [json.loads(r["definition"]) for r in rows]


async def field(db: Database, cloud: str, external_id: str) -> dict[str, Any] | None:
    row = await db.fetchrow(
        "SELECT definition FROM metadata_fields WHERE cloud = $1 AND external_id = $2", cloud, external_id
    )
    return json.loads(row["definition"]) if row else None


async def add_field(db: Database, cloud: str, definition: dict[str, Any], created_at: str) -> bool:
    """False when the external_id is taken."""
    return await db.execute(
        "INSERT INTO metadata_fields (cloud, external_id, position, created_at, definition)"
        " VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM metadata_fields WHERE cloud = $1), $3, $4)"
        " ON CONFLICT DO NOTHING",
        cloud, definition["external_id"], created_at, json.dumps(definition),
    ) > 0


async def replace_field(db: Database, cloud: str, definition: dict[str, Any]) -> bool:
    return await db.execute(
        "UPDATE metadata_fields SET definition = $3 WHERE cloud = $1 AND external_id = $2",
        cloud, definition["external_id"], json.dumps(definition),
    ) > 0


async def delete_field(db: Database, cloud: str, external_id: str) -> bool:
    return await db.execute(
        "DELETE FROM metadata_fields WHERE cloud = $1 AND external_id = $2", cloud, external_id
    ) > 0


async def field_dates(db: Database, cloud: str) -> dict[str, str]:
    rows = await db.fetch("SELECT external_id, created_at FROM metadata_fields WHERE cloud = $1", cloud)
    return {r["external_id"]: r["created_at"] for r in rows}


async def set_field_positions(db: Database, cloud: str, ordered: list[str]) -> None:
    for position, external_id in enumerate(ordered, start=1):
        await db.execute(
            "UPDATE metadata_fields SET position = $3 WHERE cloud = $1 AND external_id = $2", cloud, external_id, position
        )


async def rules(db: Database, cloud: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT definition FROM metadata_rules WHERE cloud = $1 ORDER BY position, external_id", cloud
    )
    return [json.loads(r["definition"]) for r in rows]


async def put_rule(db: Database, cloud: str, definition: dict[str, Any], *, create: bool) -> bool:
    if create:
        return await db.execute(
            "INSERT INTO metadata_rules (cloud, external_id, position, definition)"
            " VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM metadata_rules WHERE cloud = $1), $3)"
            " ON CONFLICT DO NOTHING",
            cloud, definition["external_id"], json.dumps(definition),
        ) > 0
    return await db.execute(
        "UPDATE metadata_rules SET definition = $3 WHERE cloud = $1 AND external_id = $2",
        cloud, definition["external_id"], json.dumps(definition),
    ) > 0


async def delete_rule(db: Database, cloud: str, external_id: str) -> bool:
    return await db.execute(
        "DELETE FROM metadata_rules WHERE cloud = $1 AND external_id = $2", cloud, external_id
    ) > 0


async def drop_values(db: Database, cloud: str, external_id: str) -> None:
    """A deleted field's values leave every asset of the cloud."""
    if db.dialect == "postgresql":
        await db.execute(
            "UPDATE assets SET metadata = (metadata::jsonb - $2)::text WHERE cloud = $1 AND metadata::jsonb ? $2",
            cloud, external_id,
        )
        return
    path = "$." + json.dumps(external_id)
    await db.execute(
        "UPDATE assets SET metadata = json_remove(metadata, $2) WHERE cloud = $1 AND json_extract(metadata, $2) IS NOT NULL",
        cloud, path,
    )
