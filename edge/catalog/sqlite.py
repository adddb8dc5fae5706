"""SQLite through aiosqlite: the stdlib sqlite3 on a dedicated thread, so no call blocks the event loop.

aiosqlite is chosen because it wraps the battle-tested stdlib driver rather than reimplementing
SQLite. One connection per process: a lock serialises transactions (SQLite has one writer
anyway); WAL mode lets readers proceed and lets several edge processes share the file.
Inside `transaction()`, use only the handle it yields: the outer handle waits for the lock
the transaction holds.
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from edge.catalog.db import Row

_PLACEHOLDER = re.compile(r"\$(\d+)")


def sqlite_path(url: str) -> Path:
    """sqlite:///relative.db -> relative; sqlite:////abs.db -> absolute (SQLAlchemy's convention)."""
    return Path(url.removeprefix("sqlite:///"))


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self._in_transaction = False

    @classmethod
    async def open(cls, url: str) -> SqliteDatabase:
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA busy_timeout=10000")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.create_function("regexp", 2, _regexp, deterministic=True)  # X REGEXP Y (search)
        return cls(connection)

    async def execute(self, sql: str, *args: Any) -> int:
        async with self._guard():
            cursor = await self._connection.execute(_PLACEHOLDER.sub(r"?\1", sql), args)
            return cursor.rowcount

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        async with self._guard():
            cursor = await self._connection.execute(_PLACEHOLDER.sub(r"?\1", sql), args)
            return [dict(row) for row in await cursor.fetchall()]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        if self._in_transaction:  # called through the transaction's own handle
            yield
            return
        async with self._lock:
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            inner = SqliteDatabase(self._connection)
            inner._in_transaction = True
            try:
                yield inner
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def close(self) -> None:
        await self._connection.close()


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: str | None) -> bool:
    return value is not None and pattern is not None and _compiled(pattern).search(value) is not None
