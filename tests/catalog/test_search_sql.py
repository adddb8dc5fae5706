"""The SQL a search compiles to: user values only ever as `$n` arguments, and each engine's dialect."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.catalog.search import compile_where
from edge.grammar.search import parse_search

NOW = datetime.datetime(2026, 6, 15, 12, 0, 0, tzinfo=datetime.UTC)


def compiled(expression: str, dialect: str = "sqlite") -> tuple[str, list]:
    return compile_where(parse_search(expression), dialect, "cloud'x", NOW)


def placeholders(sql: str) -> list[int]:
    return [int(n) for n in re.findall(r"\$(\d+)", sql)]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("expression", [
    "tags=ZQ1", "tags:ZQ1", "public_id=ZQ1*", "context.ZQ2=ZQ1", "metadata.ZQ2:ZQ1", "folder:ZQ1", "filename=ZQ1",
    "ZQ1", "format:ZQ1", "filename:ZQ1*",
])
def test_values_are_arguments(dialect, expression):
    sql, args = compiled(expression, dialect)
    assert "zq" not in sql.lower() and "cloud'x" not in sql
    assert args[0] == "cloud'x" and any("zq1" in str(a).lower() for a in args)
    assert set(placeholders(sql)) == set(range(1, len(args) + 1))  # every argument used, none missing


@given(st.text(min_size=1, max_size=30))
def test_no_value_reaches_the_sql_text(value):
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    for dialect in ("sqlite", "postgresql"):
        sql, args = compiled(f'tags="ZQ{escaped}" OR context.k:"ZQ{escaped}" OR public_id="ZQ{escaped}"', dialect)
        assert "zq" not in sql.lower()
        assert f"ZQ{value}" in args


def test_dialects():
    sqlite_sql, _ = compiled('filename="--"', "sqlite")  # no words for the FTS5 index: a LIKE
    pg_sql, _ = compiled("public_id:shoe", "postgresql")
    assert " LIKE $" in sqlite_sql and " REGEXP $" in sqlite_sql
    assert " ILIKE $" in pg_sql and "(a.public_id || '') ~ $" in pg_sql  # the trigram index serves the ILIKE only
    assert "a.rowid IN (SELECT rowid FROM assets_words WHERE assets_words MATCH $2)" in compiled("public_id:shoe")[0]
    assert "assets_words MATCH" in compiled("filename=shoe")[0]
    # SQLite finds tokenised tags and context values through its FTS5 word indexes, then confirms
    sqlite_sql, args = compiled("tags:red-sho*", "sqlite")
    assert "t.rowid IN (SELECT rowid FROM asset_tags_words WHERE asset_tags_words MATCH $2)" in sqlite_sql
    assert args[1] == '"red sho"*' and " REGEXP $3" in sqlite_sql
    sqlite_sql, args = compiled("context.k:blue", "sqlite")
    assert "asset_context_words MATCH" in sqlite_sql and '"blue"' in args
    assert "asset_tags_words" not in compiled("tags:x", "postgresql")[0]
    assert compiled("format:JPG")[1][1] == "jpg"  # a one-word field: `:` is `=`, lower-cased
    assert 'COLLATE "C"' in compiled("created_at>1d", "postgresql")[0]
    assert "COLLATE" not in compiled("created_at>1d", "sqlite")[0]
    assert "json_extract(a.metadata, $2)" in compiled("metadata.sku=1")[0]
    assert compiled("metadata.sku=1")[1][1] == '$."sku"'
    assert "(a.metadata::jsonb ->> $2)" in compiled("metadata.sku=1", "postgresql")[0]


def test_shapes():
    sql, args = compiled("uploaded_at>1d")
    assert sql == "a.cloud = $1 AND (a.created_at > $2)" and args[1] == "2026-06-14T12:00:00Z"
    sql, args = compiled("bytes:[1kb TO 2kb}")
    assert sql == "a.cloud = $1 AND (a.bytes >= $2 AND a.bytes < $3)" and args[1:] == [1024, 2048]
    sql, args = compiled("public_id=a/b*")
    assert sql == "a.cloud = $1 AND (a.public_id >= $2 AND a.public_id < $3)" and args[1:] == ["a/b", "a/b\U0010ffff"]
    sql, args = compiled("folder=a/b")
    assert "substr(a.public_id, $4) NOT LIKE '%/%'" in sql and args[1] == "a/b/" and args[3] == 5
    sql, _ = compiled("tags=x")
    assert "(a.type, a.public_id) IN (SELECT t.type, t.public_id FROM asset_tags t WHERE t.cloud = $1 AND (t.tag = $2))" in sql
    sql, args = compiled('aspect_ratio>"16:9"', "postgresql")
    assert "CAST($2 AS DOUBLE PRECISION)" in sql and args[1] == 16 / 9
    sql, _ = compiled("NOT (a OR b) AND c")
    assert sql.count("NOT (") == 1 and sql.count(" OR ") >= 3
    assert compiled("")[0] == "a.cloud = $1 AND (1 = 1)"
