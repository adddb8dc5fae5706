"""The Search API's expression language, as one import: the public names of its three modules.

`search_tree` (the typed tree and its field table), `search_parser` (text -> tree, with lark) and
`search_words` (words, token patterns, and evaluating a tree over text fields). `edge.catalog.search_sql`
compiles the tree to SQL.
"""

from edge.grammar.search_parser import MAX_EXPRESSION_CHARS, field_named, parse_search
from edge.grammar.search_tree import (
    ALIASES,
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
    Node,
    Not,
    Op,
    Or,
    Range,
    Scalar,
    Text,
)
from edge.grammar.search_words import SEPARATOR, evaluate, like_pattern, token_pattern, words

__all__ = [
    "ALIASES", "BARE", "FIELDS", "FOLDER_FIELDS", "MAX_EXPRESSION_CHARS", "SEPARATOR", "Ago", "And", "Everything",
    "Exists", "Field", "InvalidSearch", "Kind", "Match", "Node", "Not", "Op", "Or", "Range", "Scalar", "Text",
    "evaluate", "field_named", "like_pattern", "parse_search", "token_pattern", "words",
]
