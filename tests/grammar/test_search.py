"""The search expression language, pure: each operator, each field, escaping, and bad queries with
the position they name. No database here (tests/catalog/test_search.py runs the compiled SQL)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.grammar.search import (
    BARE,
    FIELDS,
    FOLDER_FIELDS,
    Ago,
    And,
    Everything,
    Exists,
    Field,
    InvalidSearch,
    Kind,
    Match,
    Not,
    Op,
    Or,
    Range,
    Text,
    evaluate,
    like_pattern,
    parse_search,
    token_pattern,
    words,
)

PUBLIC_ID, TAGS, BYTES, CREATED = FIELDS["public_id"], FIELDS["tags"], FIELDS["bytes"], FIELDS["created_at"]
MB = 1024 * 1024


def strip(node):
    """The tree without positions, to compare shapes."""
    if isinstance(node, Match):
        return ("match", node.field.name, node.field.key, node.op.value, node.value)
    if isinstance(node, Range):
        return ("range", node.field.name, node.low, node.high, node.include_low, node.include_high)
    if isinstance(node, Exists):
        return ("exists", node.field.name, node.field.key)
    if isinstance(node, And):
        return ("and", *map(strip, node.parts))
    if isinstance(node, Or):
        return ("or", *map(strip, node.parts))
    if isinstance(node, Not):
        return ("not", strip(node.part))
    return ("all",)


def m(field, op, value, key=""):
    return ("match", field, key, op, value)


CASES = [
    # operators
    ("tags:shoe", m("tags", ":", Text("shoe"))),
    ("tags=shoe", m("tags", "=", Text("shoe"))),
    ("tag:shoe", m("tags", ":", Text("shoe"))),  # an alias
    ("bytes>10", m("bytes", ">", 10)),
    ("bytes>=10", m("bytes", ">=", 10)),
    ("bytes<10", m("bytes", "<", 10)),
    ("bytes<=10", m("bytes", "<=", 10)),
    ("bytes:>=10", m("bytes", ">=", 10)),  # Lucene's spelling
    ("bytes:10", m("bytes", "=", 10)),
    ("bytes:[1 TO 2]", ("range", "bytes", 1, 2, True, True)),
    ("bytes:{1 TO 2}", ("range", "bytes", 1, 2, False, False)),
    ("bytes:[1 TO 2}", ("range", "bytes", 1, 2, True, False)),
    ("bytes:[* TO 2]", ("range", "bytes", None, 2, True, True)),
    ("bytes:[1kb TO *]", ("range", "bytes", 1024, None, True, True)),
    ("public_id:shoes/*", m("public_id", ":", Text("shoes/", prefix=True))),
    ("public_id=sho*", m("public_id", "=", Text("sho", prefix=True))),
    ("tags:*", ("exists", "tags", "")),
    ("context.alt:*", ("exists", "context", "alt")),
    ("a AND b", ("and", m("", ":", Text("a")), m("", ":", Text("b")))),
    ("a b", ("and", m("", ":", Text("a")), m("", ":", Text("b")))),
    ("a && b", ("and", m("", ":", Text("a")), m("", ":", Text("b")))),
    ("a OR b", ("or", m("", ":", Text("a")), m("", ":", Text("b")))),
    ("a || b", ("or", m("", ":", Text("a")), m("", ":", Text("b")))),
    ("NOT a", ("not", m("", ":", Text("a")))),
    ("NOT NOT a", ("not", ("not", m("", ":", Text("a"))))),
    ("a OR b AND c", ("or", m("", ":", Text("a")), ("and", m("", ":", Text("b")), m("", ":", Text("c"))))),
    ("(a OR b) AND c", ("and", ("or", m("", ":", Text("a")), m("", ":", Text("b"))), m("", ":", Text("c")))),
    ("a AND b AND c", ("and", m("", ":", Text("a")), m("", ":", Text("b")), m("", ":", Text("c")))),
    ("ANDROID ORANGE", ("and", m("", ":", Text("ANDROID")), m("", ":", Text("ORANGE")))),  # not keywords
    ("", ("all",)),
    ("   ", ("all",)),
    ("*", ("all",)),
    # quoting and escaping
    ('tags:"summer sale"', m("tags", ":", Text("summer sale"))),
    (r'tags:"say \"hi\""', m("tags", ":", Text('say "hi"'))),
    (r'tags:"back\\slash"', m("tags", ":", Text("back\\slash"))),
    (r"tags:a\ b", m("tags", ":", Text("a b"))),
    (r"tags:a\:b", m("tags", ":", Text("a:b"))),
    (r"tags:star\*", m("tags", ":", Text("star*"))),  # an escaped star is a character
    (r"tags:\(x\)", m("tags", ":", Text("(x)"))),
    ('tags:"AND"', m("tags", ":", Text("AND"))),
    ('tags:"x*"', m("tags", ":", Text("x*"))),  # inside quotes too
    ("context.caption:a:b", m("context", ":", Text("a:b"), "caption")),  # after the operator, ':' is a character
    # every field
    ("public_id=a/b", m("public_id", "=", Text("a/b"))),
    ("filename:red", m("filename", ":", Text("red"))),
    ("folder:shoes", m("folder", ":", Text("shoes"))),
    ("asset_folder:shoes", m("folder", ":", Text("shoes"))),
    ("context.color=red", m("context", "=", Text("red"), "color")),
    ("metadata.sku_id:abc", m("metadata", ":", Text("abc"), "sku_id")),
    ("metadata.sku-id=abc", m("metadata", "=", Text("abc"), "sku-id")),  # external ids may hold '-'
    ("context.alt-text:x", m("context", ":", Text("x"), "alt-text")),
    ("blue-boot", m("", ":", Text("blue-boot"))),
    ("resource_type:image", m("resource_type", ":", Text("image"))),
    ("type=private", m("type", "=", Text("private"))),
    ("format:jpg", m("format", ":", Text("jpg"))),
    ("bytes>1mb", m("bytes", ">", MB)),
    ("bytes>1.5MB", m("bytes", ">", int(1.5 * MB))),
    ("bytes<2gb", m("bytes", "<", 2 * 1024 * MB)),
    ("bytes>10kb", m("bytes", ">", 10 * 1024)),
    ("bytes>10b", m("bytes", ">", 10)),
    ("width>100", m("width", ">", 100)),
    ("height<=100", m("height", "<=", 100)),
    ("aspect_ratio=1.5", m("aspect_ratio", "=", 1.5)),
    ('aspect_ratio>="4:3"', m("aspect_ratio", ">=", 4 / 3)),
    ("pixels>1000000", m("pixels", ">", 1_000_000)),
    ("created_at>1d", m("created_at", ">", Ago(86400))),
    ("uploaded_at>1w", m("created_at", ">", Ago(7 * 86400))),
    ("uploaded_at<1m", m("created_at", "<", Ago(30 * 86400))),
    ("uploaded_at>1y", m("created_at", ">", Ago(365 * 86400))),
    ("uploaded_at>12h", m("created_at", ">", Ago(12 * 3600))),
    ("created_at>2024-01-31", m("created_at", ">", "2024-01-31T00:00:00Z")),
    ("created_at<2024-01-31T10:20:30Z", m("created_at", "<", "2024-01-31T10:20:30Z")),
    ("created_at<2024-01-31T12:20:30+02:00", m("created_at", "<", "2024-01-31T10:20:30Z")),
    ("created_at:2024-01-31", ("range", "created_at", "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z", True, False)),
    ("created_at:[2024-01-01 TO 2024-02-01]", ("range", "created_at", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", True, True)),
    ("created_at:[2w TO 1w]", ("range", "created_at", Ago(14 * 86400), Ago(7 * 86400), True, True)),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_parses(expression, expected):
    assert strip(parse_search(expression)) == expected


BAD = [
    ("colour:red", "unknown field 'colour' at position 1"),
    ("tags:red AND colour:red", "unknown field 'colour' at position 14"),
    ("context.a.b:x", None),  # a dotted key is a key (context keys may hold dots)
    ("context:red", "context needs a key (context.<key>) at position 1"),
    ("metadata:red", "metadata needs a key (metadata.<key>) at position 1"),
    ("public_id.x:red", "unknown field 'public_id.x' at position 1"),
    ("tags>red", "tags takes : or =, not > at position 1"),
    ("public_id:[a TO b]", "public_id takes no range at position 1"),
    ("bytes=[1 TO 2]", "a range takes ':' (bytes=[…]) at position 1"),
    ("width:wide", "invalid width 'wide' at position 7"),
    ("bytes>1zb", "invalid bytes '1zb' at position 7"),
    ("aspect_ratio>4:0", "invalid aspect_ratio '4:0' at position 14"),
    ("created_at>yesterday", "invalid created_at 'yesterday'"),
    ("created_at>2024-13-01", "invalid created_at '2024-13-01'"),
    ("created_at:1d", "a relative time needs < or > (1d) at position 12"),
    ("tags:", "unexpected end of expression at position 6"),
    ("tags:red AND", "unexpected end of expression at position 13"),
    ("(tags:red", "unexpected end of expression at position 10"),
    ("tags:red)", "unexpected ')' at position 9"),
    ("tags:red OR OR x", "unexpected 'OR' at position 13"),
    ('tags:"open', "unexpected '\"' at position 6"),
    ("bytes:[1 TO", "unexpected end of expression at position 12"),
    ("bytes:[1 2]", "unexpected '2' at position 10"),
    ("tags:a b:c", "unknown field 'b' at position 8"),
    ("x" * 5000, "longer than 4096 characters"),
]


@pytest.mark.parametrize(("expression", "message"), BAD, ids=[b[0][:40] for b in BAD])
def test_bad_queries_name_the_problem_and_position(expression, message):
    if message is None:
        assert isinstance(parse_search(expression), Match)
        return
    with pytest.raises(InvalidSearch) as caught:
        parse_search(expression)
    assert message in caught.value.public_message and caught.value.status == 400


def test_positions_point_at_the_clause():
    tree = parse_search("tags:a AND  (bytes>1 OR NOT width<2)")
    assert isinstance(tree, And)
    tags, group = tree.parts
    assert tags.position == 0 and group.parts[0].position == 13 and group.parts[1].part.position == 28


def test_folder_fields_are_name_and_path_only():
    assert strip(parse_search("name:shoes", FOLDER_FIELDS)) == m("name", ":", Text("shoes"))
    with pytest.raises(InvalidSearch, match="unknown field 'tags'"):
        parse_search("tags:x", FOLDER_FIELDS)
    with pytest.raises(InvalidSearch, match="unknown field 'context.a'"):
        parse_search("context.a:x", FOLDER_FIELDS)


@pytest.mark.parametrize(("expression", "record", "expected"), [
    ("name:shoes", {"name": "Shoes", "path": "a/Shoes"}, True),
    ("name=shoes", {"name": "Shoes", "path": "a/Shoes"}, False),
    ("path:a/*", {"name": "b", "path": "a/b"}, True),
    ("path:b/*", {"name": "b", "path": "a/b"}, False),
    ("sho*", {"name": "shoes", "path": "x/shoes"}, True),
    ("NOT name:x AND (path:y OR name:b)", {"name": "b", "path": "a/b"}, True),
    ("name:*", {"name": "", "path": ""}, False),
])
def test_evaluate_folders(expression, record, expected):
    assert evaluate(parse_search(expression, FOLDER_FIELDS), record, ("name", "path")) is expected


@pytest.mark.parametrize(("value", "prefix", "filename", "text", "expected"), [
    ("red", False, False, "shoes/red_sneaker", True),
    ("red", False, False, "shoes/reddish", False),
    ("red", True, False, "shoes/reddish", True),
    ("RED", False, False, "Red Cap", True),
    ("red sneaker", False, False, "shoes/red_sneaker", True),
    ("sneaker red", False, False, "shoes/red_sneaker", False),  # the words in order
    ("red-sneaker", False, False, "red sneaker", True),
    ("shoes", False, True, "shoes/red_sneaker", False),  # a folder, not the file name
    ("sneaker", False, True, "shoes/red_sneaker", True),
    ("sne", True, True, "shoes/red_sneaker", True),
    ("café", False, False, "le café noir", True),
])
def test_token_patterns(value, prefix, filename, text, expected):
    pattern = token_pattern(value, prefix, filename)
    assert (re.search(pattern, text) is not None) is expected
    like = like_pattern(value).replace("%", ".*")
    if expected:  # the LIKE pre-filter lets every match through
        assert re.search(like, text.lower())


def test_words():
    assert words("Red_Sneaker-2 (final).JPG") == ["red", "sneaker", "2", "final", "jpg"]
    assert token_pattern("--", False) is None


@given(st.text(max_size=60))
def test_arbitrary_text_parses_or_is_a_400(text):
    try:
        parse_search(text)
    except InvalidSearch as exc:
        assert "position" in exc.public_message or "longer" in exc.public_message


def test_bare_and_field_types():
    tree = parse_search("shoe")
    assert tree == Match(BARE, Op.TOKENS, Text("shoe"), 0)
    assert FIELDS["bytes"].kind is Kind.NUMBER and FIELDS["uploaded_at"].kind is Kind.DATE
    assert isinstance(parse_search(""), Everything)
    assert Field("context", Kind.TEXT, "k") == parse_search("context.k:v").field
