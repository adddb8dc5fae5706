"""Catalog doubles: the real catalog with one operation made to fail."""

from __future__ import annotations

from edge.catalog.store import Catalog


class CrashingCatalog(Catalog):
    """A real catalog whose record write dies: the process 'crashes' between original and record."""

    async def put(self, asset, db=None):
        raise RuntimeError("power cut")
