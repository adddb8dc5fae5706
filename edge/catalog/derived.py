"""Derived records beyond the store's own calls: one (transformation, format) of an asset."""

from __future__ import annotations

from edge.catalog.db import Database


async def delete_one(db: Database, cloud: str, type_: str, public_id: str, transformation: str, fmt: str) -> bool:
    return await db.execute(
        "DELETE FROM derived WHERE cloud = $1 AND type = $2 AND public_id = $3 AND transformation = $4 AND format = $5",
        cloud, type_, public_id, transformation, fmt,
    ) > 0
