"""The catalog's queries: one code path over SQLite and PostgreSQL (portable SQL, `$1` placeholders).

The schema and its migrations are in `schema.py`; row <-> model conversion in `rows.py`.
"""

from __future__ import annotations

import json
from typing import Any

from edge.catalog.db import Database
from edge.catalog.models import Asset, Derived, NamedTransformation, Page, Revision, UploadPreset
from edge.catalog.rows import asset_from_json, asset_from_row, asset_to_json, decode_cursor, encode_cursor
from edge.catalog.schema import MIGRATIONS, migrate  # MIGRATIONS: re-exported for the tests
from edge.errors import CatalogUnavailable, InvalidParameter

_ASSET_COLUMNS = (
    "cloud, type, public_id, asset_id, version, version_id, format, width, height, bytes, etag, created_at,"
    " tags, context, metadata, original_filename, placeholder, backup, coordinates, display_name"
)
MAX_RESULTS = 500
_LAST_CHAR = "\U0010ffff"


class Catalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def migrate(self) -> int:
        """Apply what is missing; returns the schema version."""
        return await migrate(self.db)

    async def close(self) -> None:
        await self.db.close()

    # -- the write journal -----------------------------------------------------------------
    async def begin_write(self, write_id: str, staged: dict[str, Any], asset: Asset, created_at: str) -> None:
        """Committed at once, before the original is published."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO pending_writes (id, staged, asset, created_at) VALUES ($1, $2, $3, $4)",
                write_id, json.dumps(staged), json.dumps(asset_to_json(asset)), created_at,
            )

    async def end_write(self, write_id: str, db: Database | None = None) -> None:
        """In the record's own transaction when the write succeeds."""
        await (db or self.db).execute("DELETE FROM pending_writes WHERE id = $1", write_id)

    async def pending_writes(self, begun_before: str = "9999") -> list[tuple[str, dict[str, Any], Asset]]:
        """The writes begun before `begun_before` (an ISO time) that no commit has ended."""
        rows = await self.db.fetch(
            "SELECT id, staged, asset FROM pending_writes WHERE created_at < $1 ORDER BY created_at", begun_before
        )
        return [(row["id"], json.loads(row["staged"]), asset_from_json(json.loads(row["asset"]))) for row in rows]

    async def check(self) -> None:
        """Readiness: one round trip. Any driver failure means not ready."""
        try:
            await self.db.fetchrow("SELECT 1 AS one")
        except Exception as exc:  # noqa: BLE001  (sqlite3, asyncpg and OS errors alike)
            raise CatalogUnavailable("Catalog unreachable", detail=str(exc)) from None

    # -- assets -------------------------------------------------------------------------------

    async def get(self, cloud: str, type_: str, public_id: str, db: Database | None = None) -> Asset | None:
        row = await (db or self.db).fetchrow(
            f"SELECT {_ASSET_COLUMNS} FROM assets WHERE cloud = $1 AND type = $2 AND public_id = $3", cloud, type_, public_id
        )
        return asset_from_row(row) if row else None

    async def locate_asset_id(self, cloud: str, asset_id: str) -> tuple[str, str] | None:
        """(type, public_id) of a live asset, else of its latest backup (a deleted asset keeps its id)."""
        row = await self.db.fetchrow("SELECT type, public_id FROM assets WHERE cloud = $1 AND asset_id = $2", cloud, asset_id)
        if row is None:
            row = await self.db.fetchrow(
                "SELECT type, public_id FROM revisions WHERE cloud = $1 AND asset_id = $2 ORDER BY version DESC LIMIT 1",
                cloud, asset_id,
            )
        return (row["type"], row["public_id"]) if row else None

    async def get_many(self, cloud: str, type_: str, public_ids: list[str]) -> list[Asset]:
        found = [await self.get(cloud, type_, p) for p in public_ids[:MAX_RESULTS]]
        return [a for a in found if a is not None]

    async def put(self, asset: Asset, db: Database | None = None) -> None:
        """Insert or replace the record, its tags and its context, atomically (in `db`'s transaction if given)."""
        if db is None:
            async with self.db.transaction() as tx:
                await self.put(asset, tx)
            return
        key = (asset.cloud, asset.type, asset.public_id)
        await db.execute(
            f"INSERT INTO assets ({_ASSET_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)"
            " ON CONFLICT (cloud, type, public_id) DO UPDATE SET asset_id = excluded.asset_id, version = excluded.version,"
            " version_id = excluded.version_id, format = excluded.format, width = excluded.width,"
            " height = excluded.height, bytes = excluded.bytes, etag = excluded.etag, created_at = excluded.created_at,"
            " tags = excluded.tags, context = excluded.context, metadata = excluded.metadata,"
            " original_filename = excluded.original_filename, placeholder = excluded.placeholder, backup = excluded.backup,"
            " coordinates = excluded.coordinates, display_name = excluded.display_name",
            *key, asset.asset_id, asset.version, asset.version_id, asset.format, asset.width, asset.height,
            asset.bytes, asset.etag, asset.created_at, json.dumps(list(asset.tags)), json.dumps(asset.context),
            json.dumps(asset.metadata), asset.original_filename, int(asset.placeholder), int(asset.backup),
            json.dumps([list(box) for box in asset.coordinates]), asset.display_name,
        )
        await db.execute("DELETE FROM asset_tags WHERE cloud = $1 AND type = $2 AND public_id = $3", *key)
        for tag in dict.fromkeys(asset.tags):
            await db.execute("INSERT INTO asset_tags (cloud, type, public_id, tag) VALUES ($1, $2, $3, $4)", *key, tag)
        await db.execute("DELETE FROM asset_context WHERE cloud = $1 AND type = $2 AND public_id = $3", *key)
        for name, value in asset.context.items():
            await db.execute(
                "INSERT INTO asset_context (cloud, type, public_id, key, value) VALUES ($1, $2, $3, $4, $5)", *key, name, value
            )

    async def delete(self, cloud: str, type_: str, public_id: str, db: Database | None = None) -> bool:
        db = db or self.db
        key = (cloud, type_, public_id)
        for table in ("asset_tags", "asset_context", "derived"):
            await db.execute(f"DELETE FROM {table} WHERE cloud = $1 AND type = $2 AND public_id = $3", *key)
        return await db.execute("DELETE FROM assets WHERE cloud = $1 AND type = $2 AND public_id = $3", *key) > 0

    async def list(
        self,
        cloud: str,
        type_: str | None = None,
        *,
        prefix: str = "",
        tag: str | None = None,
        context_key: str | None = None,
        context_value: str | None = None,
        max_results: int = 10,
        cursor: str | None = None,
        descending: bool = False,
        start_at: str | None = None,
    ) -> Page:
        """Ordered by (type, public_id); the cursor is the opaque last key, so pages are stable under inserts."""
        where, args = ["a.cloud = $1"], [cloud]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if type_:
            where.append(f"a.type = {arg(type_)}")
        if prefix:  # a range, so the primary key's index serves it
            where.append(f"a.public_id >= {arg(prefix)} AND a.public_id < {arg(prefix + _LAST_CHAR)}")
        if tag is not None:
            where.append(
                f"EXISTS (SELECT 1 FROM asset_tags t WHERE t.cloud = a.cloud AND t.type = a.type"
                f" AND t.public_id = a.public_id AND t.tag = {arg(tag)})"
            )
        if context_key is not None:
            value_clause = f" AND c.value = {arg(context_value)}" if context_value is not None else ""
            where.append(
                f"EXISTS (SELECT 1 FROM asset_context c WHERE c.cloud = a.cloud AND c.type = a.type"
                f" AND c.public_id = a.public_id AND c.key = {arg(context_key)}{value_clause})"
            )
        if start_at:
            where.append(f"a.created_at >= {arg(start_at)}")
        if cursor:
            last_type, last_id = decode_cursor(cursor)
            op = "<" if descending else ">"
            t, p = arg(last_type), arg(last_id)
            where.append(f"(a.type {op} {t} OR (a.type = {t} AND a.public_id {op} {p}))")
        order = "DESC" if descending else "ASC"
        limit = max(1, min(max_results, MAX_RESULTS))
        rows = await self.db.fetch(
            f"SELECT {', '.join('a.' + c.strip() for c in _ASSET_COLUMNS.split(','))} FROM assets a"
            f" WHERE {' AND '.join(where)} ORDER BY a.type {order}, a.public_id {order} LIMIT {arg(limit + 1)}",
            *args,
        )
        assets = [asset_from_row(r) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(assets, encode_cursor(assets[-1].type, assets[-1].public_id) if more and assets else None)

    async def tags(self, cloud: str, prefix: str = "", max_results: int = 10, cursor: str | None = None) -> tuple[list[str], str | None]:
        limit = max(1, min(max_results, MAX_RESULTS))
        after = decode_cursor(cursor)[1] if cursor else ""
        rows = await self.db.fetch(
            "SELECT DISTINCT tag FROM asset_tags WHERE cloud = $1 AND substr(tag, 1, $2) = $3 AND tag > $4"
            " ORDER BY tag LIMIT $5",
            cloud, len(prefix), prefix, after, limit + 1,
        )
        names = [r["tag"] for r in rows[:limit]]
        return names, encode_cursor("tag", names[-1]) if len(rows) > limit else None

    async def usage(self, cloud: str) -> tuple[int, int, int]:
        """(assets, stored bytes, derived count)."""
        row = await self.db.fetchrow("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM assets WHERE cloud = $1", cloud)
        derived = await self.db.fetchrow("SELECT count(*) AS n FROM derived WHERE cloud = $1", cloud)
        assert row is not None and derived is not None
        return int(row["n"]), int(row["b"]), int(derived["n"])

    async def folders(self, cloud: str, parent: str = "") -> list[str]:
        """Direct subfolders of `parent` ("" = root), from asset paths and created folders."""
        rows = await self.db.fetch(
            "SELECT public_id AS path FROM assets WHERE cloud = $1 UNION SELECT path || '/x' FROM folders WHERE cloud = $1",
            cloud,
        )
        base = parent.strip("/") + "/" if parent.strip("/") else ""
        found = set()
        for row in rows:
            path = row["path"]
            if not path.startswith(base):
                continue
            rest = path[len(base):]
            if "/" in rest:
                found.add(base + rest.split("/", 1)[0])
        return sorted(found)

    async def create_folder(self, cloud: str, path: str) -> None:
        await self.db.execute("INSERT INTO folders (cloud, path) VALUES ($1, $2) ON CONFLICT DO NOTHING", cloud, path.strip("/"))

    async def delete_folder(self, cloud: str, path: str) -> bool:
        path = path.strip("/")
        if (await self.list(cloud, prefix=path + "/", max_results=1)).assets:
            raise InvalidParameter("Folder is not empty")
        return await self.db.execute(
            "DELETE FROM folders WHERE cloud = $1 AND (path = $2 OR substr(path, 1, $3) = $4)",
            cloud, path, len(path) + 1, path + "/",
        ) > 0

    # -- derived ------------------------------------------------------------------------------

    async def add_derived(self, cloud: str, type_: str, public_id: str, derived: Derived) -> None:
        await self.db.execute(
            "INSERT INTO derived (cloud, type, public_id, transformation, format, bytes, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (cloud, type, public_id, transformation, format)"
            " DO UPDATE SET bytes = excluded.bytes, created_at = excluded.created_at",
            cloud, type_, public_id, derived.transformation, derived.format, derived.bytes, derived.created_at,
        )

    async def derived(self, cloud: str, type_: str, public_id: str) -> list[Derived]:
        rows = await self.db.fetch(
            "SELECT transformation, format, bytes, created_at FROM derived WHERE cloud = $1 AND type = $2"
            " AND public_id = $3 ORDER BY transformation, format",
            cloud, type_, public_id,
        )
        return [Derived(r["transformation"], r["format"], int(r["bytes"]), r["created_at"]) for r in rows]

    async def clear_derived(self, cloud: str, type_: str, public_id: str, transformations: list[str] | None = None) -> None:
        if transformations is None:
            await self.db.execute("DELETE FROM derived WHERE cloud = $1 AND type = $2 AND public_id = $3", cloud, type_, public_id)
            return
        for transformation in transformations:
            await self.db.execute(
                "DELETE FROM derived WHERE cloud = $1 AND type = $2 AND public_id = $3 AND transformation = $4",
                cloud, type_, public_id, transformation,
            )

    async def eager_transformations(self, cloud: str) -> set[str]:
        rows = await self.db.fetch("SELECT DISTINCT transformation FROM derived WHERE cloud = $1", cloud)
        return {r["transformation"] for r in rows}

    # -- revisions (backups) ------------------------------------------------------------------

    async def add_revision(self, cloud: str, type_: str, revision: Revision, db: Database | None = None) -> None:
        await (db or self.db).execute(
            "INSERT INTO revisions (cloud, asset_id, version_id, type, public_id, version, format, bytes, width, height,"
            " etag, created_at, locator) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            " ON CONFLICT (cloud, asset_id, version_id) DO NOTHING",
            cloud, revision.asset_id, revision.version_id, type_, revision.public_id, revision.version, revision.format,
            revision.bytes, revision.width, revision.height, revision.etag, revision.created_at, revision.locator,
        )

    async def revisions(self, cloud: str, type_: str, public_id: str) -> list[Revision]:
        rows = await self.db.fetch(
            "SELECT asset_id, version_id, public_id, version, format, bytes, width, height, etag, created_at, locator"
            " FROM revisions WHERE cloud = $1 AND type = $2 AND public_id = $3 ORDER BY version DESC",
            cloud, type_, public_id,
        )
        return [Revision(**{k: r[k] for k in Revision.__slots__}) for r in rows]  # type: ignore[attr-defined]

    # -- named transformations ----------------------------------------------------------------

    async def named_transformations(self, cloud: str) -> list[NamedTransformation]:
        rows = await self.db.fetch(
            "SELECT name, definition, allowed_for_strict, created_at FROM named_transformations WHERE cloud = $1 ORDER BY name",
            cloud,
        )
        return [NamedTransformation(r["name"], r["definition"], bool(r["allowed_for_strict"]), r["created_at"]) for r in rows]

    async def put_named_transformation(self, cloud: str, named: NamedTransformation, *, create: bool) -> bool:
        if create:
            return await self.db.execute(
                "INSERT INTO named_transformations (cloud, name, definition, allowed_for_strict, created_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                cloud, named.name, named.definition, int(named.allowed_for_strict), named.created_at,
            ) > 0
        return await self.db.execute(
            "UPDATE named_transformations SET definition = $3, allowed_for_strict = $4 WHERE cloud = $1 AND name = $2",
            cloud, named.name, named.definition, int(named.allowed_for_strict),
        ) > 0

    async def delete_named_transformation(self, cloud: str, name: str) -> bool:
        return await self.db.execute("DELETE FROM named_transformations WHERE cloud = $1 AND name = $2", cloud, name) > 0

    # -- upload presets -----------------------------------------------------------------------

    async def presets(self, cloud: str) -> list[UploadPreset]:
        rows = await self.db.fetch("SELECT name, unsigned, settings FROM upload_presets WHERE cloud = $1 ORDER BY name", cloud)
        return [UploadPreset(r["name"], bool(r["unsigned"]), json.loads(r["settings"])) for r in rows]

    async def preset(self, cloud: str, name: str) -> UploadPreset | None:
        row = await self.db.fetchrow("SELECT name, unsigned, settings FROM upload_presets WHERE cloud = $1 AND name = $2", cloud, name)
        return UploadPreset(row["name"], bool(row["unsigned"]), json.loads(row["settings"])) if row else None

    async def put_preset(self, cloud: str, preset: UploadPreset, *, create: bool) -> bool:
        settings = json.dumps(preset.settings)
        if create:
            return await self.db.execute(
                "INSERT INTO upload_presets (cloud, name, unsigned, settings) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                cloud, preset.name, int(preset.unsigned), settings,
            ) > 0
        return await self.db.execute(
            "UPDATE upload_presets SET unsigned = $3, settings = $4 WHERE cloud = $1 AND name = $2",
            cloud, preset.name, int(preset.unsigned), settings,
        ) > 0

    async def delete_preset(self, cloud: str, name: str) -> bool:
        return await self.db.execute("DELETE FROM upload_presets WHERE cloud = $1 AND name = $2", cloud, name) > 0


async def open_catalog(url: str) -> Catalog:
    """sqlite:/// or postgresql:// -> a migrated Catalog."""
    if url.startswith("sqlite:///"):
        from edge.catalog.sqlite import SqliteDatabase

        db: Database = await SqliteDatabase.open(url)
    else:
        from edge.catalog.postgres import PostgresDatabase

        db = await PostgresDatabase.open(url)
    catalog = Catalog(db)
    await catalog.migrate()
    return catalog
