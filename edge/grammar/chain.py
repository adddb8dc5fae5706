"""Transformation components and chains, and their canonical (SDK-ordered) text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.params import PARAMS
from edge.grammar.values import Angle, Colour, CropMode, Dimension, Gravity, OutputFormat, Quality

_KEY_VALUE = re.compile(r"([a-z]{1,4})_(.+)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Transformation:
    """One URL component (`c_fill,w_400,h_300`), parsed. `None` means "not given"."""

    width: Dimension | None = None
    height: Dimension | None = None
    crop: CropMode | None = None
    gravity: Gravity | None = None
    x: Dimension | None = None
    y: Dimension | None = None
    aspect_ratio: float | None = None
    dpr: float | None = None
    quality: Quality | None = None
    format: OutputFormat | str | None = None
    angle: Angle | None = None
    background: Colour | None = None
    flags: frozenset[str] = frozenset()
    named: tuple[str, ...] = ()  # t_<name>: replaced by its definition before planning (grammar/named.py)
    # The validated `code_value` tokens as written, sorted as the official SDK sorts them.
    canonical: str = field(default="", compare=False)


def looks_like_component(segment: str) -> tuple[bool, bool]:
    """(every part is key_value with a known key, at least one part has a known key)."""
    parts = segment.split(",")
    known = [bool(m) and m.group(1) in PARAMS for m in map(_KEY_VALUE.fullmatch, parts)]
    return all(known), any(known)


def parse_component(segment: str) -> Transformation:
    values: dict[str, Any] = {}
    tokens = []
    for part in segment.split(","):
        match = _KEY_VALUE.fullmatch(part)
        if not match or match.group(1) not in PARAMS:
            key = match.group(1) if match else part
            raise InvalidTransformation(f"Invalid transformation parameter - {key}")
        code, raw = match.groups()
        spec = PARAMS[code]
        if spec.name in values:
            raise InvalidTransformation(f"Duplicate parameter - {code}")
        values[spec.name] = spec.parse(raw)
        tokens.append(part)
    return Transformation(**values, canonical=",".join(sorted(tokens)))


@dataclass(frozen=True, slots=True)
class Chain:
    components: tuple[Transformation, ...] = ()

    @property
    def canonical(self) -> str:
        return "/".join(t.canonical for t in self.components)

    def last(self, name: str) -> Any:
        """The last component's value for a field that applies to the whole result (format, quality)."""
        for component in reversed(self.components):
            value = getattr(component, name)
            if value is not None:
                return value
        return None

    @property
    def flags(self) -> frozenset[str]:
        return frozenset().union(*(t.flags for t in self.components))


def parse_chain(text: str) -> Chain:
    """Parse `a/b/c` (every segment a component); the inverse of `Chain.canonical`."""
    if not text:
        return Chain()
    return Chain(tuple(parse_component(segment) for segment in text.split("/")))
