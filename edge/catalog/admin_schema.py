"""The tables of the Admin API's later calls (one migration of edge.catalog.store): structured
metadata. Each module owns its statements; this list only puts them in order."""

from __future__ import annotations

from edge.catalog import metadata

ADMIN_TABLES: list[str] = [*metadata.SCHEMA]
