"""The Search API's compiler: a parsed expression (edge.grammar.search) -> a parameterised SQL WHERE
for SQLite or PostgreSQL, over `FROM assets a`.

No user value is ever formatted into the SQL text: every value is a `$n` argument; the text
holds only column names and operators chosen from fixed tables here.

Tokenised matching (`field:value`) is a LIKE pre-filter (cheap, and served by the trigram index
on PostgreSQL) confirmed by a regular expression (PostgreSQL's `~`, a `regexp` function
registered on SQLite connections), over the words `edge.grammar.search.token_pattern` defines.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

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

_LAST_CHAR = "\U0010ffff"

# The SQL of each field over `assets a` (fixed text: never built from input).
_COLUMNS: dict[str, str] = {
    "public_id": "a.public_id", "filename": "a.public_id", "type": "a.type", "format": "a.format",
    "resource_type": "'image'", "bytes": "a.bytes", "width": "a.width", "height": "a.height",
    "pixels": "(a.width * a.height)", "image_pixels": "(a.width * a.height)",
    "aspect_ratio": "(CAST(a.width AS DOUBLE PRECISION) / NULLIF(a.height, 0))", "created_at": "a.created_at",
}


class Sql:
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
    sql = Sql(dialect, cloud, now)
    condition = _node(tree, sql)
    return f"a.cloud = $1 AND ({condition})", sql.args


def _node(node: Node, sql: Sql) -> str:
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


def _exists(field: Field, sql: Sql) -> str:
    if field.name == "tags":
        return _in_tags("1 = 1", sql)
    if field.name == "context":
        return _in_context(field.key, "1 = 1", sql)
    if field.name == "metadata":
        return f"{_metadata(field.key, sql)} IS NOT NULL"
    return "1 = 1"


def _match(node: Match, sql: Sql) -> str:
    field, value = node.field, node.value
    if isinstance(value, Text):
        return _text(field, node.op, value, sql)
    column = _COLUMNS[field.name]
    if field.kind is Kind.DATE:
        column += sql.collate
    return f"{column} {'=' if node.op is Op.EXACT else node.op.value} {_scalar(field, value, sql)}"


def _range(node: Range, sql: Sql) -> str:
    column = _COLUMNS[node.field.name] + (sql.collate if node.field.kind is Kind.DATE else "")
    parts = []
    if node.low is not None:
        parts.append(f"{column} {'>=' if node.include_low else '>'} {_scalar(node.field, node.low, sql)}")
    if node.high is not None:
        parts.append(f"{column} {'<=' if node.include_high else '<'} {_scalar(node.field, node.high, sql)}")
    return " AND ".join(parts) or "1 = 1"


def _scalar(field: Field, value: Any, sql: Sql) -> str:
    if isinstance(value, Ago):
        value = (sql.now - datetime.timedelta(seconds=value.seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if field.name == "aspect_ratio":
        return f"CAST({sql.arg(float(value))} AS DOUBLE PRECISION)"
    return sql.arg(value)


def _text(field: Field, op: Op, value: Text, sql: Sql) -> str:
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


def _compare(column: str, op: Op, value: Text, sql: Sql, words: str = "") -> str:
    if value.prefix and (op is Op.EXACT or "/" in value.value or not token_pattern(value.value, True)):
        return _prefix(column, value.value, sql)
    if op is Op.EXACT or not token_pattern(value.value, value.prefix):
        return f"{column} = {sql.arg(value.value)}"
    return _tokens(column, value, sql, words=words)


def _prefix(column: str, prefix: str, sql: Sql) -> str:
    """A range, so an index on the column serves it."""
    return f"{column} >= {sql.arg(prefix)} AND {column} < {sql.arg(prefix + _LAST_CHAR)}"


# SQLite's FTS5 word indexes (search_schema.py): (table, alias of the row it indexes).
_TAG_WORDS, _CONTEXT_WORDS, _PUBLIC_ID_WORDS = "asset_tags_words:t", "asset_context_words:c", "assets_words:a"


def _tokens(column: str, value: Text, sql: Sql, *, filename: bool = False, words: str = "") -> str:
    pattern = token_pattern(value.value, value.prefix, filename)
    if pattern is None:
        return f"{column} = {sql.arg(value.value)}"
    if words and sql.dialect == "sqlite":
        return _indexed_words(column, value, pattern, sql, words)
    return _regex(column, like_pattern(value.value), pattern, sql)


def _indexed_words(column: str, value: Text, pattern: str, sql: Sql, words: str) -> str:
    """SQLite: the FTS5 word index finds the rows holding the value's words in order (a superset
    of what the pattern matches: both split words on punctuation); the pattern confirms them."""
    table, alias = words.split(":")
    phrase = '"' + " ".join(search_words(value.value)) + '"' + ("*" if value.prefix else "")
    return (f"{alias}.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH {sql.arg(phrase)})"
            f" AND {column} REGEXP {sql.arg(pattern)}")


def _regex(column: str, like: str, pattern: str, sql: Sql) -> str:
    """A case-insensitive LIKE that every match passes (cheap; trigram-indexed on PostgreSQL), then the pattern."""
    if sql.dialect == "postgresql":
        # `|| ''`: the trigram index serves the ILIKE only; extracting trigrams from the
        # pattern costs more than checking it on the few rows the ILIKE leaves.
        return f"{column} ILIKE {sql.arg(like)} ESCAPE '\\' AND ({column} || '') ~ {sql.arg(pattern)}"
    return f"{column} LIKE {sql.arg(like)} ESCAPE '\\' AND {column} REGEXP {sql.arg(pattern)}"


def _folder(value: Text, sql: Sql) -> str:
    if value.prefix:  # folder:shoes/* -> everything under shoes
        return _prefix("a.public_id", value.value, sql)
    folder = value.value.strip("/")
    if not folder:
        return "a.public_id NOT LIKE '%/%'"
    base = folder + "/"
    return f"{_prefix('a.public_id', base, sql)} AND substr(a.public_id, {sql.arg(len(base) + 1)}) NOT LIKE '%/%'"


def _in_tags(condition: str, sql: Sql) -> str:
    return f"(a.type, a.public_id) IN (SELECT t.type, t.public_id FROM asset_tags t WHERE t.cloud = $1 AND ({condition}))"


def _in_context(key: str | None, condition: str, sql: Sql) -> str:
    keyed = f" AND c.key = {sql.arg(key)}" if key is not None else ""
    return (f"(a.type, a.public_id) IN (SELECT c.type, c.public_id FROM asset_context c WHERE c.cloud = $1{keyed}"
            f" AND ({condition}))")


def _metadata(key: str, sql: Sql) -> str:
    if sql.dialect == "postgresql":
        return f"(a.metadata::jsonb ->> {sql.arg(key)})"
    # As text on both engines (PostgreSQL's ->> is text): json_extract answers an integer for a
    # number, which SQLite never finds equal to the text of the query.
    return f"CAST(json_extract(a.metadata, {sql.arg('$.' + json.dumps(key))}) AS TEXT)"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
