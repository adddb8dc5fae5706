"""The Search API's typed expression tree and its field table (what `search_parser` builds and the catalog compiles).

Pure data: the fields an expression may name (FIELDS, their ALIASES, the folders' FOLDER_FIELDS),
and the nodes of a parsed expression (Match, Range, Exists, And, Or, Not, Everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

from edge.errors import InvalidParameter


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
