"""Upload mappings (auto-upload): a folder of a cloud whose missing assets are fetched from
`template` + the rest of the path."""

from __future__ import annotations

from edge.catalog.db import Database

SCHEMA: list[str] = [
    "CREATE TABLE upload_mappings (cloud TEXT NOT NULL, folder TEXT{C} NOT NULL, template TEXT NOT NULL,"
    " created_at TEXT NOT NULL, PRIMARY KEY (cloud, folder))",
]


async def list_(db: Database, cloud: str, after: str, limit: int) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT folder, template FROM upload_mappings WHERE cloud = $1 AND folder > $2 ORDER BY folder LIMIT $3",
        cloud, after, limit,
    )
    return [(r["folder"], r["template"]) for r in rows]


async def get(db: Database, cloud: str, folder: str) -> str | None:
    row = await db.fetchrow("SELECT template FROM upload_mappings WHERE cloud = $1 AND folder = $2", cloud, folder)
    return row["template"] if row else None


async def add(db: Database, cloud: str, folder: str, template: str, created_at: str) -> bool:
    return await db.execute(
        "INSERT INTO upload_mappings (cloud, folder, template, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        cloud, folder, template, created_at,
    ) > 0


async def update(db: Database, cloud: str, folder: str, template: str) -> bool:
    return await db.execute(
        "UPDATE upload_mappings SET template = $3 WHERE cloud = $1 AND folder = $2", cloud, folder, template
    ) > 0


async def delete(db: Database, cloud: str, folder: str) -> bool:
    return await db.execute("DELETE FROM upload_mappings WHERE cloud = $1 AND folder = $2", cloud, folder) > 0


async def for_path(db: Database, cloud: str, public_id: str) -> tuple[str, str] | None:
    """The mapping whose folder holds public_id (the deepest one), as (folder, template)."""
    parts = public_id.split("/")[:-1]
    candidates = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
    for folder in candidates:
        template = await get(db, cloud, folder)
        if template is not None:
            return folder, template
    return None
