"""The Search API's words and text matching: how a value splits into words, the token patterns the
compiled SQL matches with, and the same rules evaluated in Python (for folders)."""

from __future__ import annotations

import re
from functools import lru_cache

from edge.grammar.search_tree import And, Everything, Exists, Match, Node, Not, Op, Or, Text


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
