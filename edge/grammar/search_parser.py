"""The Search API's expression parser (Lucene-like, as Cloudinary's): text -> a typed, validated tree.

Pure: parsed with lark (LALR, positions kept), then checked field by field. Nothing here knows SQL;
`edge.catalog.search_sql` compiles the tree for either engine.

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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from edge.grammar.search_tree import (
    ALIASES,
    BARE,
    FIELDS,
    Ago,
    And,
    Everything,
    Exists,
    Field,
    InvalidSearch,
    Kind,
    Match,
    Node,
    Not,
    Op,
    Or,
    Range,
    Scalar,
    Text,
)

if TYPE_CHECKING:
    from lark import Token
    from lark.exceptions import UnexpectedInput

MAX_EXPRESSION_CHARS = 4096
_KEYED = ("context", "metadata")
_KEYWORDS = {"AND", "OR", "NOT", "TO"}

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
