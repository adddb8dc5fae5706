"""A throwaway schema in the real PostgreSQL (127.0.0.1:5432, database `test`), dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

PG_DSN = os.environ.get("EDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


async def _run(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _sync(sql: str) -> None:
    """On a thread of its own: callers may be inside a running event loop (async fixtures)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(_run(sql))).result()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yields a database URL confined to a fresh schema (search_path); the schema is dropped on exit.

    An unreachable database fails the test, loudly: PostgreSQL is as much a part of the suite
    as Redis, and a skip would pass a run that never tested the PostgreSQL catalog."""
    import asyncpg

    schema = "edge_test_" + secrets.token_hex(6)
    try:
        _sync(f"CREATE SCHEMA {schema}")
    except (OSError, asyncpg.PostgresError) as exc:  # refused, timed out, no such database, bad role...
        pytest.fail(f"PostgreSQL is needed at {PG_DSN} (set EDGE_TEST_POSTGRES to another DSN): "
                    f"{type(exc).__name__}: {exc}", pytrace=False)
    try:
        yield f"{PG_DSN}?search_path={schema}"
    finally:
        _sync(f"DROP SCHEMA {schema} CASCADE")
