"""The search indexes (migration 3 of edge.catalog.store): what edge.catalog.search's queries need.

A statement that starts with `{sqlite}` or `{postgresql}` runs on that engine only.

- Both: the default order (created_at, then asset_id), public_id prefixes, size ranges, facets
  (a covering index: the count with its aggregations reads nothing else),
  and an asset's own tags and context (which put and delete also look up).
- SQLite: FTS5 word indexes over public_ids, tags and context values, kept by triggers, so a
  tokenised match (`tags:sale`, `public_id:sneaker`, a bare term) finds its rows without reading
  every one. They index by the tables' rowids,
  which a VACUUM may renumber: after one, `INSERT INTO asset_tags_words(asset_tags_words)
  VALUES ('rebuild')` (and the same for assets_words and asset_context_words). edge never runs
  VACUUM.
- PostgreSQL: trigram GIN indexes (pg_trgm) for the same ILIKE pre-filters, on tags, context
  values and public_ids. Best effort: where the extension cannot be created (no privilege), the
  searches work without them, only slower.
"""

from __future__ import annotations


def _words(table: str, column: str) -> list[str]:
    fts = f"{table}_words"
    return [
        f"{{sqlite}}CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='rowid')",
        f"{{sqlite}}CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column}); END",
        f"{{sqlite}}CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column}); END",
        f"{{sqlite}}CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column});"
        f" INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column}); END",
        f"{{sqlite}}INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


_TRIGRAM = """{postgresql}DO $$
DECLARE home text;
BEGIN
  -- In `public`, not in the first schema of the search_path: an extension belongs to one schema,
  -- and a catalog confined to a schema that is later dropped would take the extension (and every
  -- other catalog's trigram indexes) with it.
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  EXCEPTION WHEN OTHERS THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm unavailable (%): search works without trigram indexes', SQLERRM;
    END;
  END;
  SELECT n.nspname INTO home FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_trgm';
  IF home IS NOT NULL THEN
    EXECUTE format('CREATE INDEX asset_tags_trigrams ON asset_tags USING gin (tag %I.gin_trgm_ops)', home);
    EXECUTE format('CREATE INDEX asset_context_trigrams ON asset_context USING gin (value %I.gin_trgm_ops)', home);
    EXECUTE format('CREATE INDEX assets_public_id_trigrams ON assets USING gin (public_id %I.gin_trgm_ops)', home);
  END IF;
END $$"""

SEARCH_INDEXES: list[str] = [
    "CREATE INDEX assets_by_created ON assets (cloud, created_at{C}, asset_id{C})",
    "CREATE INDEX assets_by_public_id ON assets (cloud, public_id)",
    "CREATE INDEX assets_by_bytes ON assets (cloud, bytes)",
    # covering: the count with its aggregations reads this index alone, already grouped
    "CREATE INDEX assets_facets ON assets (cloud, format, type, bytes, width, height)",
    "CREATE INDEX asset_tags_by_asset ON asset_tags (cloud, type, public_id)",
    "CREATE INDEX asset_context_by_asset ON asset_context (cloud, type, public_id)",
    "CREATE INDEX asset_context_by_value ON asset_context (cloud, key, value)",
    *_words("assets", "public_id"),
    *_words("asset_tags", "tag"),
    *_words("asset_context", "value"),
    _TRIGRAM,
]
