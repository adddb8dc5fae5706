"""The Search API's expression language (Lucene-like, as Cloudinary's): text -> a typed, validated tree.

Pure: parsed with lark (LALR, positions kept), then checked field by field. Nothing here knows SQL;
`edge.catalog.search` compiles the tree for either engine.

    tags:shoe                     tokenised match (case-insensitive, the words in order)
    public_id=shoes/red           exact (case-sensitive); `=abc*` is a prefix of the whole value
    folder:shoes/*  public_id:shoes/*   a value holding a `/` with a trailing `*`: prefix of the whole value
    tags:sho*                     otherwise a trailing `*` is a prefix of the last word
    bytes>1mb  bytes:>1mb  width<=100  [a TO b] {a TO b} [a TO b}  `*` for an open end
    uploaded_at>1d  (1h 1d 1w 1m 1y: within the last …)  created_at<2024-01-31  created_at:2024-01-31 (that day)
    NOT a AND (b OR c)            juxtaposition is AND; "quoted \\" values"; backslash escapes a character
    shoe                          a bare term: public_id, filename, tags or a context value

Sizes: b, kb, mb, gb (powers of 1024). Errors are `InvalidSearch` naming the problem and its
1-based position in the expression.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Union

from typing import TYPE_CHECKING, Any

from edge.errors import InvalidParameter

if TYPE_CHECKING:
    from lark import Token
    from lark.exceptions import UnexpectedInput

MAX_EXPRESSION_CHARS = 4096


class InvalidSearch(InvalidParameter):
    """A malformed expression, an unknown field, or a value the field cannot take."""


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # canonical: public_id, tags, context, metadata, bytes, created_at, ... ; "" = a bare term
    kind: Kind
    key: str = ""  # context.<key>, metadata.<external_id>


FIELDS: dict[str, Field] = {
    name: Field(name, kind)
    for name, kind in {
        "public_id": Kind.TEXT, "filename": Kind.TEXT, "folder": Kind.TEXT, "asset_folder": Kind.TEXT,
        "tags": Kind.TEXT, "resource_type": Kind.TEXT, "type": Kind.TEXT, "format": Kind.TEXT,
        "bytes": Kind.NUMBER, "width": Kind.NUMBER, "height": Kind.NUMBER, "aspect_ratio": Kind.NUMBER,
        "pixels": Kind.NUMBER, "created_at": Kind.DATE, "uploaded_at": Kind.DATE,
    }.items()
}
ALIASES = {"tag": "tags", "asset_folder": "folder", "uploaded_at": "created_at", "size": "bytes"}
# SearchFolders: what a folder has.
FOLDER_FIELDS: dict[str, Field] = {"name": Field("name", Kind.TEXT), "path": Field("path", Kind.TEXT)}
BARE = Field("", Kind.TEXT)
_KEYED = ("context", "metadata")
_KEYWORDS = {"AND", "OR", "NOT", "TO"}


# -- the tree -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Text:
    value: str
    prefix: bool = False  # a trailing unescaped `*`


@dataclass(frozen=True, slots=True)
class Ago:
    """A relative time: `seconds` before the moment of the search."""

    seconds: int


Scalar = Union[Text, int, float, str, Ago]  # str: an ISO 8601 instant (UTC, `Z`), for dates


class Op(Enum):
    TOKENS = ":"
    EXACT = "="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class Match:
    field: Field
    op: Op
    value: Scalar
    position: int


@dataclass(frozen=True, slots=True)
class Range:
    field: Field
    low: Scalar | None  # None: open
    high: Scalar | None
    include_low: bool
    include_high: bool
    position: int


@dataclass(frozen=True, slots=True)
class Exists:
    """`field:*`: the asset has a value for the field (a tag, that context key, ...)."""

    field: Field
    position: int


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty expression."""


Node = Union[Match, Range, Exists, And, Or, Not, Everything]


# -- the grammar --------------------------------------------------------------------------------

_GRAMMAR = r"""
?start: expr?
?expr: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND? not_expr)*
?not_expr: NOT not_expr -> negate
         | atom
?atom: "(" expr ")"
     | FIELDOP value             -> clause
     | FIELDOP range             -> range_clause
     | value                     -> bare
range: LOW bound _TO bound HIGH
bound: value
value: WORD | QUOTED

FIELDOP.3: /[A-Za-z_][A-Za-z0-9_.-]*(<=|>=|:|=|<|>)/
_AND.2: /AND(?![^\s()])/ | "&&"
_OR.2: /OR(?![^\s()])/ | "||"
NOT.2: /NOT(?![^\s()])/
_TO.2: /TO(?![^\s()\]}])/
LOW: "[" | "{"
HIGH: "]" | "}"
QUOTED: /"(?:[^"\\]|\\.)*"/s
WORD: /(?:[^\s()"\[\]{}\\]|\\.)+/s
%ignore /\s+/
"""



@lru_cache(maxsize=1)
def _lark() -> tuple[Any, type, Any]:
    """(parser, transformer class, lark.exceptions), made on the first search: importing lark and
    building the tables costs 0.3-0.5 s, which every worker would otherwise pay at start-up."""
    import lark
    import lark.exceptions

    parser = lark.Lark(_GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)
    return parser, type("_Transformer", (_Build, lark.Transformer), {}), lark.exceptions

_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?", re.IGNORECASE)
_AGO_UNITS = {"s": 1, "h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_AGO = re.compile(r"(\d+)([shdwmy])", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_RATIO = re.compile(r"(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)")
_TERMINAL_NAMES = {
    "FIELDOP": "a field and operator", "WORD": "a value", "QUOTED": "a quoted value", "LPAR": "(", "RPAR": ")",
    "_AND": "AND", "_OR": "OR", "NOT": "NOT", "_TO": "TO", "LOW": "[ or {", "HIGH": "] or }", "$END": "the end",
}


def parse_search(expression: str, fields: dict[str, Field] = FIELDS) -> Node:
    """The expression as a validated tree; `InvalidSearch` (400) says what is wrong and where.
    `fields`: the assets' (FIELDS, with context.<key> and metadata.<id>) or the folders' (FOLDER_FIELDS)."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise InvalidSearch(f"Invalid search expression - longer than {MAX_EXPRESSION_CHARS} characters")
    if not expression.strip():
        return Everything()
    parser, transformer, errors = _lark()
    try:
        tree = parser.parse(expression)
    except errors.UnexpectedInput as exc:
        raise InvalidSearch(_describe(exc, expression, errors)) from None
    try:
        node = transformer(fields).transform(tree)
    except errors.VisitError as exc:
        if isinstance(exc.orig_exc, InvalidSearch):
            raise exc.orig_exc from None
        raise
    return node if isinstance(node, Match | Range | Exists | And | Or | Not | Everything) else Everything()


def _describe(exc: UnexpectedInput, text: str, errors: Any) -> str:
    position = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, errors.UnexpectedEOF) or position is None:
        return f"Invalid search expression - unexpected end of expression at position {len(text) + 1}"
    if isinstance(exc, errors.UnexpectedCharacters):
        return f"Invalid search expression - unexpected '{text[position]}' at position {position + 1}"
    if isinstance(exc, errors.UnexpectedToken):
        if exc.token.type == "$END":
            return f"Invalid search expression - unexpected end of expression at position {len(text) + 1}"
        expected = sorted({_TERMINAL_NAMES.get(t, t) for t in exc.expected})
        return (f"Invalid search expression - unexpected '{exc.token}' at position {position + 1}"
                f" (expected {', '.join(expected)})")
    return f"Invalid search expression at position {position + 1}"


def _fail(message: str, position: int) -> InvalidSearch:
    return InvalidSearch(f"Invalid search expression - {message} at position {position + 1}")


@dataclass(frozen=True, slots=True)
class _Raw:
    text: str
    prefix: bool
    quoted: bool
    position: int


class _Build:
    """The rules' callbacks (mixed into lark's Transformer by `_lark`): lark tree -> Node."""

    def __init__(self, fields: dict[str, Field]) -> None:
        super().__init__()
        self.fields = fields

    def start(self, items: list[Node]) -> Node:
        return items[0] if items else Everything()

    def or_expr(self, items: list[Node]) -> Node:
        return Or(tuple(_flatten(Or, items)))

    def and_expr(self, items: list[Node]) -> Node:
        return And(tuple(_flatten(And, items)))

    def negate(self, items: list[Token | Node]) -> Node:
        return Not(items[-1])  # type: ignore[arg-type]

    def value(self, items: list[Token]) -> _Raw:
        token = items[0]
        if token.type == "QUOTED":
            return _Raw(_unescape(token[1:-1]), False, True, token.start_pos or 0)
        raw = str(token)
        prefix = raw.endswith("*") and not raw.endswith("\\*")
        return _Raw(_unescape(raw[:-1] if prefix else raw), prefix, False, token.start_pos or 0)

    def bound(self, items: list[_Raw]) -> _Raw:
        return items[0]

    def range(self, items: list[Token | _Raw]) -> tuple[bool, _Raw, _Raw, bool]:
        low, lo, hi, high = items
        return str(low) == "[", lo, hi, str(high) == "]"  # type: ignore[return-value]

    def bare(self, items: list[_Raw]) -> Node:
        raw = items[0]
        if raw.prefix and not raw.text:
            return Everything()
        if not raw.quoted and raw.text in _KEYWORDS:  # where a keyword cannot stand (`a OR OR b`)
            raise _fail(f"unexpected '{raw.text}'", raw.position)
        return Match(BARE, Op.TOKENS, Text(raw.text, raw.prefix), raw.position)

    def clause(self, items: list[Any]) -> Node:
        fieldop, raw = items
        field, op = _field_and_op(fieldop, self.fields)
        position = fieldop.start_pos or 0
        if op is Op.TOKENS and field.kind is not Kind.TEXT and not raw.quoted:  # Lucene's bytes:>100000
            for compare in (Op.LE, Op.GE, Op.LT, Op.GT):
                if raw.text.startswith(compare.value):
                    shift = len(compare.value)
                    op, raw = compare, _Raw(raw.text[shift:], raw.prefix, False, raw.position + shift)
                    break
        if raw.prefix and not raw.text and op is Op.TOKENS:
            return Exists(field, position)
        if field.kind is Kind.TEXT:
            if op not in (Op.TOKENS, Op.EXACT):
                raise _fail(f"{fieldop.value[:-len(op.value)]} takes : or =, not {op.value}", position)
            if not raw.text and not (field.name == "folder" and raw.quoted):  # folder="" is the root
                raise _fail(f"empty value for {field.name}", raw.position)
            return Match(field, op, Text(raw.text, raw.prefix), position)
        value = _typed(field, raw)
        if isinstance(value, str) and op in (Op.TOKENS, Op.EXACT) and len(raw.text) == 10:
            # created_at:2024-01-31 -> that whole day
            day = datetime.date.fromisoformat(raw.text)
            return Range(field, value, _iso(day + datetime.timedelta(days=1)), True, False, position)
        if isinstance(value, Ago):
            if op in (Op.TOKENS, Op.EXACT):
                raise _fail(f"a relative time needs < or > ({raw.text})", raw.position)
        return Match(field, Op.EXACT if op is Op.TOKENS else op, value, position)

    def range_clause(self, items: list[Any]) -> Node:
        fieldop, bounds = items
        field, op = _field_and_op(fieldop, self.fields)
        position = fieldop.start_pos or 0
        if op is not Op.TOKENS:
            raise _fail(f"a range takes ':' ({fieldop.value}[…])", position)
        if field.kind is Kind.TEXT:
            raise _fail(f"{field.name} takes no range", position)
        include_low, low, high, include_high = bounds
        lo = None if _open(low) else _typed(field, low)
        hi = None if _open(high) else _typed(field, high)
        return Range(field, lo, hi, include_low, include_high, position)


def _open(raw: _Raw) -> bool:
    return raw.prefix and not raw.text and not raw.quoted


def _flatten(kind: type, items: list[Node]) -> list[Node]:
    out: list[Node] = []
    for item in items:
        out.extend(item.parts if isinstance(item, kind) else (item,))  # type: ignore[attr-defined]
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _field_and_op(fieldop: Token, fields: dict[str, Field]) -> tuple[Field, Op]:
    text = str(fieldop)
    op = next(o for o in (Op.LE, Op.GE, Op.TOKENS, Op.EXACT, Op.LT, Op.GT) if text.endswith(o.value))
    name = text[: -len(op.value)]
    return field_named(name, fieldop.start_pos or 0, fields), op


def field_named(name: str, position: int = 0, fields: dict[str, Field] = FIELDS) -> Field:
    if fields is not FIELDS:
        if name not in fields:
            raise _fail(f"unknown field '{name}'", position)
        return fields[name]
    head, dot, key = name.partition(".")
    if head in _KEYED:
        if not dot or not key:
            raise _fail(f"{head} needs a key ({head}.<key>)", position)
        return Field(head, Kind.TEXT, key)
    if dot:
        raise _fail(f"unknown field '{name}'", position)
    field = FIELDS.get(ALIASES.get(name, name)) if name in FIELDS or name in ALIASES else None
    if field is None:
        raise _fail(f"unknown field '{name}'", position)
    return field


def _typed(field: Field, raw: _Raw) -> Scalar:
    text = raw.text.strip()
    if field.kind is Kind.NUMBER:
        return _number(field, text, raw.position)
    return _date(field, text, raw.position)


def _number(field: Field, text: str, position: int) -> int | float:
    if field.name == "aspect_ratio":
        if ratio := _RATIO.fullmatch(text):
            denominator = float(ratio[2])
            if denominator == 0:
                raise _fail(f"invalid aspect_ratio '{text}'", position)
            return float(ratio[1]) / denominator
        if _NUMBER.fullmatch(text):
            return float(text)
        raise _fail(f"invalid aspect_ratio '{text}'", position)
    if field.name == "bytes" and (size := _SIZE.fullmatch(text)):
        return int(float(size[1]) * _UNITS[(size[2] or "b").lower()])
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise _fail(f"invalid {field.name} '{text}'", position)


def _date(field: Field, text: str, position: int) -> str | Ago:
    if ago := _AGO.fullmatch(text):
        return Ago(int(ago[1]) * _AGO_UNITS[ago[2].lower()])
    try:
        if len(text) == 10:
            return _iso(datetime.date.fromisoformat(text))
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"invalid {field.name} '{text}' (a date, an ISO 8601 time, or 1h 1d 1w 1m 1y)", position) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


# -- tokens, as the compiled query matches them --------------------------------------------------

# Words are runs of anything but ASCII punctuation, spaces and controls: `red_shoes-2` is red, shoes, 2.
SEPARATOR = r"[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"
_SPLIT = re.compile(SEPARATOR + "+")


def words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


_IN_NAME = r"[\x01-\x2e\x3a-\x40\x5b-\x60\x7b-\x7f]"  # the separators less `/`


@lru_cache(maxsize=1024)
def token_pattern(value: str, prefix: bool, filename: bool = False) -> str | None:
    """A regular expression (in the subset Python and PostgreSQL share) matching a text that holds
    the value's words in order (the last one only as a prefix when `prefix`); None if it has none.
    `filename`: the words within the last segment of a path."""
    found = words(value)
    if not found:
        return None
    sep = _IN_NAME if filename else SEPARATOR
    body = f"({sep})+".join(re.escape(w) for w in found)
    if filename:
        tail = "[^/]*$" if prefix else f"({sep}[^/]*)?$"
        return f"(?i)(^|/)([^/]*{sep})?{body}{tail}"
    return f"(?i)(^|{sep}){body}" + ("" if prefix else f"({sep}|$)")


def like_pattern(value: str) -> str:
    """A LIKE pattern every text matched by `token_pattern` also matches (a cheap pre-filter)."""
    return "%" + "%".join(words(value)) + "%"


def evaluate(node: Node, values: dict[str, str], bare: tuple[str, ...]) -> bool:
    """Whether a record of text fields (a folder's name and path) matches; the same rules as the SQL."""
    if isinstance(node, Everything):
        return True
    if isinstance(node, And):
        return all(evaluate(p, values, bare) for p in node.parts)
    if isinstance(node, Or):
        return any(evaluate(p, values, bare) for p in node.parts)
    if isinstance(node, Not):
        return not evaluate(node.part, values, bare)
    if isinstance(node, Exists):
        return bool(values.get(node.field.name))
    if isinstance(node, Match) and isinstance(node.value, Text):
        names = bare if not node.field.name else (node.field.name,)
        return any(_text_matches(values.get(n, ""), node.op, node.value) for n in names)
    return False


def _text_matches(text: str, op: Op, value: Text) -> bool:
    if value.prefix and (op is Op.EXACT or "/" in value.value or not words(value.value)):
        return text.startswith(value.value)
    pattern = None if op is Op.EXACT else token_pattern(value.value, value.prefix)
    if pattern is None:
        return text == value.value
    return re.search(pattern, text) is not None
