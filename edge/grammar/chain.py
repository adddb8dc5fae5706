"""Transformation components and chains: parsing, their canonical (SDK-ordered) text, and a
component's expression values resolved (`w_iw_div_2`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.effect_args import Effect
from edge.grammar.expressions import (
    as_literal,
    evaluate,
    is_variable_key,
    looks_like_expression,
    parse_expression,
    parse_variable_value,
)
from edge.grammar.params import EXPRESSION_CODES, PARAMS, UNSUPPORTED_PARAMS
from edge.grammar.values import (
    Angle,
    Border,
    Colour,
    CropMode,
    Dimension,
    Gravity,
    LayerSource,
    OutputFormat,
    Quality,
    Radius,
)

_KEY_VALUE = re.compile(r"(\$[a-zA-Z][a-zA-Z0-9]{0,30}|[a-z]{1,4})_(.+)", re.DOTALL)


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
    background: Colour | str | None = None
    flags: frozenset[str] = frozenset()
    effect: Effect | None = None
    radius: Radius | None = None
    border: Border | None = None
    colour: Colour | None = None
    opacity: int | None = None
    zoom: float | None = None
    colour_space: str | None = None
    overlay: LayerSource | None = None
    underlay: LayerSource | None = None
    named: tuple[str, ...] | None = None
    page: int | None = None
    default_image: str | None = None
    density: int | None = None
    delay: int | None = None
    condition: tuple[Any, ...] | None = None  # ("if", clauses) | ("else",) | ("end",)
    variables: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # $name -> expression, set before the rest
    expressions: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # code -> expression, resolved by the plan
    # The validated `code_value` tokens as written, sorted as the official SDK sorts them.
    canonical: str = field(default="", compare=False)


def looks_like_component(segment: str) -> tuple[bool, bool]:
    """(every part is key_value with a known key, at least one part has a known key)."""
    parts = segment.split(",")
    known = [
        bool(m) and (m.group(1) in PARAMS or m.group(1) in UNSUPPORTED_PARAMS or is_variable_key(m.group(1)))
        for m in map(_KEY_VALUE.fullmatch, parts)
    ]
    return all(known), any(known)


def parse_component(segment: str) -> Transformation:
    values: dict[str, Any] = {}
    tokens = []
    variables: list[tuple[str, tuple[Any, ...]]] = []
    expressions: list[tuple[str, tuple[Any, ...]]] = []
    for part in segment.split(","):
        match = _KEY_VALUE.fullmatch(part)
        if match and is_variable_key(match.group(1)):
            variables.append((match.group(1), parse_variable_value(match.group(2))))
            tokens.append(part)
            continue
        if match and match.group(1) in EXPRESSION_CODES and looks_like_expression(match.group(2)):
            if any(code == match.group(1) for code, _ in expressions) or PARAMS[match.group(1)].name in values:
                raise InvalidTransformation(f"Duplicate parameter - {match.group(1)}")
            expressions.append((match.group(1), parse_expression(match.group(2))))
            tokens.append(part)
            continue
        if match and match.group(1) in UNSUPPORTED_PARAMS:
            code = match.group(1)
            raise InvalidTransformation(f"Unsupported parameter - {code} ({UNSUPPORTED_PARAMS[code]})")
        if not match or match.group(1) not in PARAMS:
            key = match.group(1) if match else part
            raise InvalidTransformation(f"Invalid transformation parameter - {key}")
        code, raw = match.groups()
        spec = PARAMS[code]
        if spec.name == "flags" and "flags" in values:  # `fl_layer_apply,fl_tiled`: flags add up
            values["flags"] = values["flags"] | spec.parse(raw)
            tokens.append(part)
            continue
        if spec.name in values or any(code == c for c, _ in expressions):
            raise InvalidTransformation(f"Duplicate parameter - {code}")
        values[spec.name] = spec.parse(raw)
        tokens.append(part)
    if variables:
        values["variables"] = tuple(variables)
    if expressions:
        values["expressions"] = tuple(expressions)
    return Transformation(**values, canonical=",".join(sorted(tokens)))


def resolve(t: Transformation, variables: Mapping[str, Any]) -> Transformation:
    """The component with its expression-valued parameters computed and parsed like literals."""
    if not t.expressions:
        return t
    values = {}
    for code, expression in t.expressions:
        spec = PARAMS[code]
        values[spec.name] = spec.parse(as_literal(evaluate(expression, variables)))
    return dataclasses.replace(t, expressions=(), **values)


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

    def has_flag(self, name: str) -> bool:
        return any(f == name or f.startswith(name + ":") for f in self.flags)

    def flag_value(self, name: str) -> str | None:
        """The value of `name:value` (or "" for a bare flag); None when the flag is absent."""
        for flag in sorted(self.flags):
            if flag == name:
                return ""
            if flag.startswith(name + ":"):
                return flag[len(name) + 1 :]
        return None

    @property
    def layer_ids(self) -> frozenset[str]:
        """The public_ids of the image layers (l_/u_), which the service reads from the origin."""
        ids = set()
        for t in self.components:
            for layer in (t.overlay, t.underlay):
                if layer is not None and layer.public_id is not None:
                    ids.add(layer.public_id)
        return frozenset(ids)


def parse_chain(text: str) -> Chain:
    """Parse `a/b/c` (every segment a component); the inverse of `Chain.canonical`."""
    if not text:
        return Chain()
    return Chain(tuple(parse_component(segment) for segment in text.split("/")))
