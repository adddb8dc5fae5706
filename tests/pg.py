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
    """Yields a database URL confined to a fresh schema (search_path); the schema is dropped on exit."""
    schema = "edge_test_" + secrets.token_hex(6)
    try:
        _sync(f"CREATE SCHEMA {schema}")
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}: {exc}")
    try:
        yield f"{PG_DSN}?search_path={schema}"
    finally:
        _sync(f"DROP SCHEMA {schema} CASCADE")
