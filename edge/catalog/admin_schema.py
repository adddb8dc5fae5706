"""The tables of the Admin API's later calls (one migration of edge.catalog.store): structured
metadata, the outbox, triggers. Each module owns its statements; this list only puts them in order."""

from __future__ import annotations

from edge.catalog import mappings, metadata, outbox, triggers, usage

ADMIN_TABLES: list[str] = [*metadata.SCHEMA, *outbox.SCHEMA, *triggers.SCHEMA, *usage.SCHEMA, *mappings.SCHEMA,
                           "ALTER TABLE assets ADD COLUMN display_name TEXT NOT NULL DEFAULT ''"]
