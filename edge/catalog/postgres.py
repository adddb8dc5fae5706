"""PostgreSQL through asyncpg: natively async, binary protocol, its own connection pool.

asyncpg is chosen over psycopg 3 for its speed and because the catalog needs nothing beyond
plain SQL with `$1` placeholders, which is asyncpg's native style (the SQLite adapter maps
them). Query parameters in the URL other than libpq's own become server settings, so
`?search_path=myschema` confines edge to one schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from edge.catalog.db import Row


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, pool: Any, connection: Any = None) -> None:
        self._pool = pool
        self._connection = connection  # set inside a transaction

    @classmethod
    async def open(cls, url: str, max_connections: int = 10) -> PostgresDatabase:
        pool = await asyncpg.create_pool(url.replace("postgres://", "postgresql://", 1), min_size=1, max_size=max_connections)
        return cls(pool)

    async def execute(self, sql: str, *args: Any) -> int:
        status = await (self._connection or self._pool).execute(sql, *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return [dict(r) for r in await (self._connection or self._pool).fetch(sql, *args)]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row = await (self._connection or self._pool).fetchrow(sql, *args)
        return dict(row) if row is not None else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        if self._connection is not None:
            yield self
            return
        async with self._pool.acquire() as connection, connection.transaction():
            yield PostgresDatabase(self._pool, connection)

    async def close(self) -> None:
        await self._pool.close()
