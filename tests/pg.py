"""A throwaway schema in the real PostgreSQL (127.0.0.1:5432, database `test`), dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
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


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Yields a database URL confined to a fresh schema (search_path); the schema is dropped on exit."""
    schema = "edge_test_" + secrets.token_hex(6)
    try:
        asyncio.run(_run(f"CREATE SCHEMA {schema}"))
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}: {exc}")
    try:
        yield f"{PG_DSN}?search_path={schema}"
    finally:
        asyncio.run(_run(f"DROP SCHEMA {schema} CASCADE"))
