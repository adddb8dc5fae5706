"""The catalog's schema: numbered migrations (portable SQL), applied in one transaction at start-up.

Concurrent starters (several workers, several nodes) serialise on the transaction (SQLite's
write lock, PostgreSQL's advisory lock).
"""

from __future__ import annotations

from edge.catalog.accounts import ACCOUNTS_MIGRATION
from edge.catalog.admin_schema import ADMIN_TABLES
from edge.catalog.db import Database
from edge.catalog.search_schema import SEARCH_INDEXES

# `{C}` is byte-order collation on PostgreSQL (SQLite's BINARY default is already that), so the
# order of listings, cursors and prefix ranges is the same on both engines and index-friendly.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE assets (
            cloud TEXT NOT NULL, type TEXT NOT NULL, public_id TEXT{C} NOT NULL,
            asset_id TEXT NOT NULL UNIQUE, version BIGINT NOT NULL, version_id TEXT NOT NULL,
            format TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, bytes BIGINT NOT NULL,
            etag TEXT NOT NULL, created_at TEXT NOT NULL, tags TEXT NOT NULL, context TEXT NOT NULL,
            metadata TEXT NOT NULL, original_filename TEXT NOT NULL, placeholder INTEGER NOT NULL,
            backup INTEGER NOT NULL,
            PRIMARY KEY (cloud, type, public_id))""",
        "CREATE TABLE asset_tags (cloud TEXT NOT NULL, type TEXT NOT NULL, public_id TEXT{C} NOT NULL, tag TEXT{C} NOT NULL,"
        " PRIMARY KEY (cloud, tag, type, public_id))",
        "CREATE TABLE asset_context (cloud TEXT NOT NULL, type TEXT NOT NULL, public_id TEXT{C} NOT NULL,"
        " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (cloud, key, type, public_id))",
        "CREATE TABLE derived (cloud TEXT NOT NULL, type TEXT NOT NULL, public_id TEXT NOT NULL,"
        " transformation TEXT NOT NULL, format TEXT NOT NULL, bytes BIGINT NOT NULL, created_at TEXT NOT NULL,"
        " PRIMARY KEY (cloud, type, public_id, transformation, format))",
        "CREATE TABLE revisions (cloud TEXT NOT NULL, asset_id TEXT NOT NULL, version_id TEXT NOT NULL,"
        " type TEXT NOT NULL, public_id TEXT NOT NULL, version BIGINT NOT NULL, format TEXT NOT NULL,"
        " bytes BIGINT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, etag TEXT NOT NULL,"
        " created_at TEXT NOT NULL, locator TEXT NOT NULL, PRIMARY KEY (cloud, asset_id, version_id))",
        "CREATE TABLE named_transformations (cloud TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,"
        " allowed_for_strict INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (cloud, name))",
        "CREATE TABLE upload_presets (cloud TEXT NOT NULL, name TEXT NOT NULL, unsigned INTEGER NOT NULL,"
        " settings TEXT NOT NULL, PRIMARY KEY (cloud, name))",
        "CREATE TABLE folders (cloud TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (cloud, path))",
    ],
    [
        # The write journal: an original about to be published with the record that goes with
        # it. A row outlives its write only if the process died in between (see AssetStore.recover).
        "CREATE TABLE pending_writes (id TEXT PRIMARY KEY, staged TEXT NOT NULL, asset TEXT NOT NULL,"
        " created_at TEXT NOT NULL)",
    ],
    ACCOUNTS_MIGRATION,  # environments, API keys, users, groups, login throttle, audit log
    SEARCH_INDEXES,  # edge/catalog/search_schema.py
    ["ALTER TABLE assets ADD COLUMN coordinates TEXT NOT NULL DEFAULT '[]'"],  # custom_coordinates, JSON
    ADMIN_TABLES,  # edge/catalog/admin_schema.py: metadata, outbox, triggers, usage, upload mappings, display_name
]


async def migrate(db: Database) -> int:
    """Apply what is missing; returns the schema version."""
    async with db.transaction() as tx:
        if tx.dialect == "postgresql":
            await tx.execute("SELECT pg_advisory_xact_lock(726543)")
        await tx.execute("CREATE TABLE IF NOT EXISTS edge_schema (version INTEGER NOT NULL)")
        row = await tx.fetchrow("SELECT max(version) AS version FROM edge_schema")
        current = (row or {}).get("version") or 0
        for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            for statement in statements:
                only, tagged, rest = statement[1:].partition("}") if statement.startswith("{") else ("", "", "")
                if tagged and only in ("sqlite", "postgresql"):  # `{sqlite}…`: that engine only
                    if only != tx.dialect:
                        continue
                    statement = rest
                await tx.execute(statement.replace("{C}", ' COLLATE "C"' if tx.dialect == "postgresql" else ""))
            await tx.execute("INSERT INTO edge_schema (version) VALUES ($1)", number)
        return len(MIGRATIONS)
