"""Usage per cloud and day: counters (renders, requests, bytes delivered) added to by every
process's periodic flush, and snapshots (storage, objects, derived resources) set by it."""

from __future__ import annotations

from edge.catalog.db import Database

SCHEMA: list[str] = [
    "CREATE TABLE usage_days (cloud TEXT NOT NULL, day TEXT NOT NULL, metric TEXT NOT NULL, value BIGINT NOT NULL,"
    " PRIMARY KEY (cloud, day, metric))",
]


async def add(db: Database, cloud: str, day: str, metric: str, value: int) -> None:
    await db.execute(
        "INSERT INTO usage_days (cloud, day, metric, value) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (cloud, day, metric) DO UPDATE SET value = usage_days.value + excluded.value",
        cloud, day, metric, value,
    )


async def set_(db: Database, cloud: str, day: str, metric: str, value: int) -> None:
    await db.execute(
        "INSERT INTO usage_days (cloud, day, metric, value) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (cloud, day, metric) DO UPDATE SET value = excluded.value",
        cloud, day, metric, value,
    )


async def totals(db: Database, cloud: str, first_day: str, last_day: str) -> dict[str, int]:
    """Counters summed over [first_day, last_day] (YYYY-MM-DD)."""
    rows = await db.fetch(
        "SELECT metric, sum(value) AS total FROM usage_days WHERE cloud = $1 AND day >= $2 AND day <= $3 GROUP BY metric",
        cloud, first_day, last_day,
    )
    return {r["metric"]: int(r["total"]) for r in rows}


async def snapshot(db: Database, cloud: str, metric: str, day: str) -> int | None:
    """The last value set on or before `day`."""
    row = await db.fetchrow(
        "SELECT value FROM usage_days WHERE cloud = $1 AND metric = $2 AND day <= $3 ORDER BY day DESC LIMIT 1",
        cloud, metric, day,
    )
    return int(row["value"]) if row else None


async def stored(db: Database, cloud: str) -> tuple[int, int, int]:
    """(assets, original bytes, derived resources) as the catalog holds them now."""
    row = await db.fetchrow("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM assets WHERE cloud = $1", cloud)
    derived = await db.fetchrow("SELECT count(*) AS n FROM derived WHERE cloud = $1", cloud)
    assert row is not None and derived is not None
    return int(row["n"]), int(row["b"]), int(derived["n"])
