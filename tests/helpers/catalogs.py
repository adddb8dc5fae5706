"""Catalogs for tests: the real one on either engine, and the real one with one operation made to fail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from edge.catalog.store import Catalog, open_catalog
from tests.helpers.pg import postgres_schema

ENGINES = ["sqlite", "postgresql"]


@asynccontextmanager
async def engine_catalog(engine: str, tmp_path: Path) -> AsyncIterator[Catalog]:
    """A fresh catalog on `engine`: a SQLite file under `tmp_path`, or the real PostgreSQL in a
    throwaway schema (dropped afterwards); closed on exit."""
    if engine == "sqlite":
        store = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
        try:
            yield store
        finally:
            await store.close()
        return
    with postgres_schema() as url:
        store = await open_catalog(url)
        try:
            yield store
        finally:
            await store.close()


class CrashingCatalog(Catalog):
    """A real catalog whose record write dies: the process 'crashes' between original and record."""

    async def put(self, asset, db=None):
        raise RuntimeError("power cut")
