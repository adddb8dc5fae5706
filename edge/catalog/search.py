"""Search over the catalog: a parsed expression (edge.grammar.search) compiled to parameterised SQL
for SQLite or PostgreSQL, keyset pages, and the count with its aggregations in one pass.

No user value is ever formatted into the SQL text: every value is a `$n` argument; the text
holds only column names and operators chosen from fixed tables here.

Tokenised matching (`field:value`) is a LIKE pre-filter (cheap, and served by the trigram index
on PostgreSQL) confirmed by a regular expression (PostgreSQL's `~`, a `regexp` function
registered on SQLite connections), over the words `edge.grammar.search.token_pattern` defines.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

from edge.catalog.db import Database
from edge.catalog.models import Asset
from edge.catalog.rows import asset_from_row
from edge.catalog.store import _ASSET_COLUMNS
from edge.errors import InvalidParameter
from edge.grammar.search import (
    Ago,
    And,
    Everything,
    Exists,
    Field,
    Kind,
    Match,
    Node,
    Not,
    Op,
    Or,
    Range,
    Text,
    like_pattern,
    token_pattern,
)
from edge.grammar.search import words as search_words

MAX_RESULTS = 500
_LAST_CHAR = "\U0010ffff"

# The SQL of each field over `assets a` (fixed text: never built from input).
_COLUMNS: dict[str, str] = {
    "public_id": "a.public_id", "filename": "a.public_id", "type": "a.type", "format": "a.format",
    "resource_type": "'image'", "bytes": "a.bytes", "width": "a.width", "height": "a.height",
    "pixels": "(a.width * a.height)", "image_pixels": "(a.width * a.height)",
    "aspect_ratio": "(CAST(a.width AS DOUBLE PRECISION) / NULLIF(a.height, 0))", "created_at": "a.created_at",
}
# Sortable fields -> column; `uploaded_at` is `created_at` (the catalog keeps one time).
SORTABLE: dict[str, str] = {
    "created_at": "a.created_at", "uploaded_at": "a.created_at", "public_id": "a.public_id", "bytes": "a.bytes",
    "width": "a.width", "height": "a.height", "format": "a.format", "type": "a.type",
}
FACETS = ("format", "resource_type", "type")
RANGE_FIELDS = {"bytes": "a.bytes", "image_pixels": "(a.width * a.height)", "pixels": "(a.width * a.height)"}


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str  # a key of SORTABLE
    descending: bool = True


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    low: int | None  # inclusive
    high: int | None  # exclusive


@dataclass(frozen=True, slots=True)
class RangeAggregation:
    field: str  # a key of RANGE_FIELDS
    buckets: tuple[Bucket, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    cloud: str
    tree: Node
    now: datetime.datetime
    sort: tuple[SortKey, ...] = (SortKey("created_at"),)
    max_results: int = 50
    cursor: str | None = None
    facets: tuple[str, ...] = ()  # of FACETS
    ranges: tuple[RangeAggregation, ...] = ()
    count: bool = True


@dataclass(frozen=True, slots=True)
class SearchPage:
    assets: list[Asset]
    total_count: int
    next_cursor: str | None
    aggregations: dict[str, dict[str, int]] = field(default_factory=dict)


class _Sql:
    """The WHERE text and its arguments; `arg` appends a value and names its placeholder."""

    def __init__(self, dialect: str, cloud: str, now: datetime.datetime) -> None:
        self.dialect = dialect
        self.args: list[Any] = [cloud]
        self.now = now

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    @property
    def collate(self) -> str:
        return ' COLLATE "C"' if self.dialect == "postgresql" else ""


def compile_where(tree: Node, dialect: str, cloud: str, now: datetime.datetime) -> tuple[str, list[Any]]:
    """`a.cloud = $1 AND (…)` and its arguments, for `FROM assets a`."""
    sql = _Sql(dialect, cloud, now)
    condition = _node(tree, sql)
    return f"a.cloud = $1 AND ({condition})", sql.args


def _node(node: Node, sql: _Sql) -> str:
    if isinstance(node, Everything):
        return "1 = 1"
    if isinstance(node, And):
        return " AND ".join(f"({_node(p, sql)})" for p in node.parts)
    if isinstance(node, Or):
        return " OR ".join(f"({_node(p, sql)})" for p in node.parts)
    if isinstance(node, Not):
        return f"NOT ({_node(node.part, sql)})"
    if isinstance(node, Exists):
        return _exists(node.field, sql)
    if isinstance(node, Range):
        return _range(node, sql)
    return _match(node, sql)


def _exists(field: Field, sql: _Sql) -> str:
    if field.name == "tags":
        return _in_tags("1 = 1", sql)
    if field.name == "context":
        return _in_context(field.key, "1 = 1", sql)
    if field.name == "metadata":
        return f"{_metadata(field.key, sql)} IS NOT NULL"
    return "1 = 1"


def _match(node: Match, sql: _Sql) -> str:
    field, value = node.field, node.value
    if isinstance(value, Text):
        return _text(field, node.op, value, sql)
    column = _COLUMNS[field.name]
    if field.kind is Kind.DATE:
        column += sql.collate
    return f"{column} {'=' if node.op is Op.EXACT else node.op.value} {_scalar(field, value, sql)}"


def _range(node: Range, sql: _Sql) -> str:
    column = _COLUMNS[node.field.name] + (sql.collate if node.field.kind is Kind.DATE else "")
    parts = []
    if node.low is not None:
        parts.append(f"{column} {'>=' if node.include_low else '>'} {_scalar(node.field, node.low, sql)}")
    if node.high is not None:
        parts.append(f"{column} {'<=' if node.include_high else '<'} {_scalar(node.field, node.high, sql)}")
    return " AND ".join(parts) or "1 = 1"


def _scalar(field: Field, value: Any, sql: _Sql) -> str:
    if isinstance(value, Ago):
        value = (sql.now - datetime.timedelta(seconds=value.seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if field.name == "aspect_ratio":
        return f"CAST({sql.arg(float(value))} AS DOUBLE PRECISION)"
    return sql.arg(value)


def _text(field: Field, op: Op, value: Text, sql: _Sql) -> str:
    name = field.name
    if name == "":  # a bare term: public_id (so the filename too), a tag, or a context value
        if sql.dialect == "sqlite":  # an OR of indexed terms: SQLite's MULTI-INDEX OR serves each
            return " OR ".join([
                _tokens("a.public_id", value, sql, words=_PUBLIC_ID_WORDS),
                _in_tags(_tokens("t.tag", value, sql, words=_TAG_WORDS), sql),
                _in_context(None, _tokens("c.value", value, sql, words=_CONTEXT_WORDS), sql),
            ])
        # PostgreSQL does not use an index for an OR of INs: one IN over a UNION, each branch indexed.
        return (
            "(a.type, a.public_id) IN ("
            f"SELECT s.type, s.public_id FROM assets s WHERE s.cloud = $1"
            f" AND ({_tokens('s.public_id', value, sql, words='assets_words:s')})"
            f" UNION SELECT t.type, t.public_id FROM asset_tags t WHERE t.cloud = $1"
            f" AND ({_tokens('t.tag', value, sql, words=_TAG_WORDS)})"
            f" UNION SELECT c.type, c.public_id FROM asset_context c WHERE c.cloud = $1"
            f" AND ({_tokens('c.value', value, sql, words=_CONTEXT_WORDS)}))"
        )
    if name in ("type", "format", "resource_type"):  # one lower-case word: `:` is `=` (and an index serves it)
        return _compare(_COLUMNS[name], Op.EXACT, Text(value.value.lower() if op is Op.TOKENS else value.value,
                                                        value.prefix), sql)
    if name == "folder":
        return _folder(value, sql)
    if name == "tags":
        return _in_tags(_compare("t.tag", op, value, sql, words=_TAG_WORDS), sql)
    if name == "context":
        return _in_context(field.key, _compare("c.value", op, value, sql, words=_CONTEXT_WORDS), sql)
    if name == "metadata":  # absent is NULL: guarded, so that NOT metadata.x=1 keeps the assets without x
        column = _metadata(field.key, sql)
        return f"{column} IS NOT NULL AND ({_compare(column, op, value, sql)})"
    if name == "filename":
        if op is Op.EXACT or not token_pattern(value.value, value.prefix, True):
            # the last segment of the path equal to (or starting with) the value, case-sensitive
            pattern = "(^|/)" + re.escape(value.value) + ("[^/]*$" if value.prefix else "$")
            if sql.dialect == "sqlite" and search_words(value.value):
                return _indexed_words("a.public_id", value, pattern, sql, _PUBLIC_ID_WORDS)
            return _regex("a.public_id", "%" + _escape_like(value.value) + "%", pattern, sql)
        return _tokens("a.public_id", value, sql, filename=True, words=_PUBLIC_ID_WORDS)
    return _compare(_COLUMNS[name], op, value, sql, words=_PUBLIC_ID_WORDS if name == "public_id" else "")


def _compare(column: str, op: Op, value: Text, sql: _Sql, words: str = "") -> str:
    if value.prefix and (op is Op.EXACT or "/" in value.value or not token_pattern(value.value, True)):
        return _prefix(column, value.value, sql)
    if op is Op.EXACT or not token_pattern(value.value, value.prefix):
        return f"{column} = {sql.arg(value.value)}"
    return _tokens(column, value, sql, words=words)


def _prefix(column: str, prefix: str, sql: _Sql) -> str:
    """A range, so an index on the column serves it."""
    return f"{column} >= {sql.arg(prefix)} AND {column} < {sql.arg(prefix + _LAST_CHAR)}"


# SQLite's FTS5 word indexes (search_schema.py): (table, alias of the row it indexes).
_TAG_WORDS, _CONTEXT_WORDS, _PUBLIC_ID_WORDS = "asset_tags_words:t", "asset_context_words:c", "assets_words:a"


def _tokens(column: str, value: Text, sql: _Sql, *, filename: bool = False, words: str = "") -> str:
    pattern = token_pattern(value.value, value.prefix, filename)
    if pattern is None:
        return f"{column} = {sql.arg(value.value)}"
    if words and sql.dialect == "sqlite":
        return _indexed_words(column, value, pattern, sql, words)
    return _regex(column, like_pattern(value.value), pattern, sql)


def _indexed_words(column: str, value: Text, pattern: str, sql: _Sql, words: str) -> str:
    """SQLite: the FTS5 word index finds the rows holding the value's words in order (a superset
    of what the pattern matches: both split words on punctuation); the pattern confirms them."""
    table, alias = words.split(":")
    phrase = '"' + " ".join(search_words(value.value)) + '"' + ("*" if value.prefix else "")
    return (f"{alias}.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH {sql.arg(phrase)})"
            f" AND {column} REGEXP {sql.arg(pattern)}")


def _regex(column: str, like: str, pattern: str, sql: _Sql) -> str:
    """A case-insensitive LIKE that every match passes (cheap; trigram-indexed on PostgreSQL), then the pattern."""
    if sql.dialect == "postgresql":
        # `|| ''`: the trigram index serves the ILIKE only; extracting trigrams from the
        # pattern costs more than checking it on the few rows the ILIKE leaves.
        return f"{column} ILIKE {sql.arg(like)} ESCAPE '\\' AND ({column} || '') ~ {sql.arg(pattern)}"
    return f"{column} LIKE {sql.arg(like)} ESCAPE '\\' AND {column} REGEXP {sql.arg(pattern)}"


def _folder(value: Text, sql: _Sql) -> str:
    if value.prefix:  # folder:shoes/* -> everything under shoes
        return _prefix("a.public_id", value.value, sql)
    folder = value.value.strip("/")
    if not folder:
        return "a.public_id NOT LIKE '%/%'"
    base = folder + "/"
    return f"{_prefix('a.public_id', base, sql)} AND substr(a.public_id, {sql.arg(len(base) + 1)}) NOT LIKE '%/%'"


def _in_tags(condition: str, sql: _Sql) -> str:
    return f"(a.type, a.public_id) IN (SELECT t.type, t.public_id FROM asset_tags t WHERE t.cloud = $1 AND ({condition}))"


def _in_context(key: str | None, condition: str, sql: _Sql) -> str:
    keyed = f" AND c.key = {sql.arg(key)}" if key is not None else ""
    return (f"(a.type, a.public_id) IN (SELECT c.type, c.public_id FROM asset_context c WHERE c.cloud = $1{keyed}"
            f" AND ({condition}))")


def _metadata(key: str, sql: _Sql) -> str:
    if sql.dialect == "postgresql":
        return f"(a.metadata::jsonb ->> {sql.arg(key)})"
    return f"json_extract(a.metadata, {sql.arg('$.' + json.dumps(key))})"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- running it ---------------------------------------------------------------------------------

# At most this many matches: the page is found from the filter's own index, then sorted
# (the sort-order index is kept out). Above it, walking the sort-order index finds the page's rows
# quickly, since the matches are dense. Planners guess this badly: PostgreSQL at 1,000,000 assets
# walked the created_at index for a 2,000-asset tag, probing 50,000 rows (1.3 s instead of 40 ms).
SPARSE_MATCHES = 5000


async def search(db: Database, query: SearchQuery) -> SearchPage:
    """The count (and aggregations) first: how many match decides how the page is found."""
    where, args = compile_where(query.tree, db.dialect, query.cloud, query.now)
    total, aggregations = -1, {}
    if query.count or query.facets or query.ranges:
        total, aggregations = await _count(db, query, where, args)
    sql = _Sql(db.dialect, query.cloud, query.now)
    sql.args = list(args)
    sparse = 0 <= total <= SPARSE_MATCHES
    columns = [_sort_column(SORTABLE[k.field], _is_text(k.field), sparse, sql) for k in query.sort]
    columns.append(_sort_column("a.asset_id", True, sparse, sql))
    # The tie-breaker runs the way the last key does, so one index scanned forwards or backwards serves both.
    directions = [k.descending for k in query.sort] + [query.sort[-1].descending]
    page_where = where
    if query.cursor:
        values = _decode_cursor(query.cursor, query.sort)
        page_where += f" AND ({_after(columns, directions, values, sql)})"
    limit = max(1, min(query.max_results, MAX_RESULTS))
    order = ", ".join(f"{c} {'DESC' if d else 'ASC'}" for c, d in zip(columns, directions))
    rows = await db.fetch(
        f"SELECT {', '.join('a.' + c.strip() for c in _ASSET_COLUMNS.split(','))} FROM assets a"
        f" WHERE {page_where} ORDER BY {order} LIMIT {sql.arg(limit + 1)}",
        *sql.args,
    )
    assets = [asset_from_row(r) for r in rows[:limit]]
    cursor = _encode_cursor(assets[-1], query.sort) if len(rows) > limit and assets else None
    return SearchPage(assets, total if total >= 0 else len(assets), cursor, aggregations)


def _sort_column(column: str, text: bool, sparse: bool, sql: _Sql) -> str:
    """The column, or (sparse) the same values through a no-op expression no index can serve."""
    if sparse:
        column = f"({column} || '')" if text else f"({column} + 0)"
    return column + (sql.collate if text else "")


def _is_text(name: str) -> bool:
    return name in ("created_at", "uploaded_at", "public_id", "format", "type")


def _after(columns: list[str], directions: list[bool], values: list[Any], sql: _Sql) -> str:
    """The rows after `values` in the order given (each key asc or desc): a lexicographic keyset."""
    ors = []
    for i, (column, descending) in enumerate(zip(columns, directions)):
        equal = [f"{columns[j]} = {sql.arg(values[j])}" for j in range(i)]
        ors.append(" AND ".join([*equal, f"{column} {'<' if descending else '>'} {sql.arg(values[i])}"]))
    return " OR ".join(f"({o})" for o in ors)


async def _count(db: Database, query: SearchQuery, where: str, args: list[Any]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and every aggregation in one pass: grouped by format and type, ranges as sums."""
    sql = _Sql(db.dialect, query.cloud, query.now)
    sql.args = list(args)
    sums = []
    for r, aggregation in enumerate(query.ranges):
        column = RANGE_FIELDS[aggregation.field]
        for b, bucket in enumerate(aggregation.buckets):
            conditions = []
            if bucket.low is not None:
                conditions.append(f"{column} >= {sql.arg(bucket.low)}")
            if bucket.high is not None:
                conditions.append(f"{column} < {sql.arg(bucket.high)}")
            sums.append(f", sum(CASE WHEN {' AND '.join(conditions) or '1 = 1'} THEN 1 ELSE 0 END) AS r{r}_{b}")
    rows = await db.fetch(
        f"SELECT a.format, a.type, count(*) AS n{''.join(sums)} FROM assets a WHERE {where} GROUP BY a.format, a.type",
        *sql.args,
    )
    total = sum(int(row["n"]) for row in rows)
    aggregations: dict[str, dict[str, int]] = {}
    for facet in query.facets:
        counts: dict[str, int] = {}
        for row in rows:
            name = "image" if facet == "resource_type" else row[facet]
            counts[name] = counts.get(name, 0) + int(row["n"])
        aggregations[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    for r, aggregation in enumerate(query.ranges):
        aggregations[aggregation.field] = {
            bucket.key: sum(int(row[f"r{r}_{b}"] or 0) for row in rows) for b, bucket in enumerate(aggregation.buckets)
        }
    return total, aggregations


def _sort_tag(sort: tuple[SortKey, ...]) -> str:
    return ",".join(f"{k.field}:{'d' if k.descending else 'a'}" for k in sort)


def _encode_cursor(asset: Asset, sort: tuple[SortKey, ...]) -> str:
    values = [_sort_value(asset, k.field) for k in sort] + [asset.asset_id]
    return base64.urlsafe_b64encode(json.dumps([_sort_tag(sort), values]).encode()).decode().rstrip("=")


def _sort_value(asset: Asset, name: str) -> Any:
    return asset.created_at if name == "uploaded_at" else getattr(asset, name)


def _decode_cursor(cursor: str, sort: tuple[SortKey, ...]) -> list[Any]:
    try:
        tag, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise InvalidParameter("Invalid next_cursor") from None
    if tag != _sort_tag(sort) or not isinstance(values, list) or len(values) != len(sort) + 1:
        raise InvalidParameter("Invalid next_cursor - it belongs to another sort order")
    for key, value in zip(sort, values):
        expected = int if key.field in ("bytes", "width", "height") else str
        if not isinstance(value, expected) or isinstance(value, bool):
            raise InvalidParameter("Invalid next_cursor")
    if not isinstance(values[-1], str):
        raise InvalidParameter("Invalid next_cursor")
    return values


async def search_folder_paths(db: Database, cloud: str) -> list[str]:
    """Every folder: those created, and every ancestor of an asset's public_id."""
    rows = await db.fetch(
        "SELECT public_id AS path FROM assets WHERE cloud = $1 AND public_id LIKE '%/%'"
        " UNION SELECT path || '/x' FROM folders WHERE cloud = $1",
        cloud,
    )
    found: set[str] = set()
    for row in rows:
        parts = row["path"].split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            found.add("/".join(parts[:depth]))
    found.discard("")
    return sorted(found)
