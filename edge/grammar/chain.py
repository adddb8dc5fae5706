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
    assign,
    evaluate,
    has_reference,
    substitute,
    is_variable_key,
    looks_like_expression,
    parse_expression,
    parse_variable_value,
)
from edge.grammar.params import EXPRESSION_CODES, PARAMS, UNSUPPORTED_PARAMS
from edge.grammar.colours import ICC_PREFIX
from edge.grammar.values import (
    Angle,
    AutoWidth,
    Pages,
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

    width: Dimension | AutoWidth | None = None
    height: Dimension | None = None
    crop: CropMode | None = None
    gravity: Gravity | None = None
    x: Dimension | None = None
    y: Dimension | None = None
    aspect_ratio: float | None = None
    dpr: float | str | None = None  # "auto" until the client's hint resolves it
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
    page: int | Pages | None = None
    default_image: str | None = None
    density: int | None = None
    delay: int | None = None
    condition: tuple[Any, ...] | None = None  # ("if", clauses) | ("else",) | ("end",)
    variables: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # $name -> expression, set before the rest
    expressions: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # code -> expression, resolved by the plan
    templates: tuple[tuple[str, str], ...] = ()  # code -> text with $name references (`e_$fx:100`), resolved by the plan
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
    """Parse one component. When several parameters are wrong, a feature this build does not
    offer is named before a value it does not understand: either way the URL cannot render,
    and "Unsupported" tells the user the URL is not at fault."""
    try:
        return _parse_component(segment)
    except InvalidTransformation as first:
        if first.public_message.startswith("Unsupported"):
            raise
        for part in segment.split(","):
            try:
                _parse_component(part)
            except InvalidTransformation as exc:
                if exc.public_message.startswith("Unsupported"):
                    raise exc from None
        raise


def _parse_component(segment: str) -> Transformation:
    values: dict[str, Any] = {}
    tokens = []
    variables: list[tuple[str, tuple[Any, ...]]] = []
    expressions: list[tuple[str, tuple[Any, ...]]] = []
    templates: list[tuple[str, str]] = []

    def deferred(code: str) -> bool:
        return any(c == code for c, _ in (*expressions, *templates)) or PARAMS[code].name in values

    for part in segment.split(","):
        match = _KEY_VALUE.fullmatch(part)
        if match and is_variable_key(match.group(1)):
            variables.append((match.group(1), parse_variable_value(match.group(2))))
            tokens.append(part)
            continue
        if match and match.group(1) in EXPRESSION_CODES and looks_like_expression(match.group(2)):
            if deferred(match.group(1)):
                raise InvalidTransformation(f"Duplicate parameter - {match.group(1)}")
            try:
                expressions.append((match.group(1), parse_expression(match.group(2))))
            except InvalidTransformation:
                if not has_reference(match.group(2)):
                    raise
                templates.append((match.group(1), match.group(2)))  # `r_10:20:$v`: variables inside a value
            tokens.append(part)
            continue
        if match and match.group(1) in PARAMS and match.group(1) not in _NOT_TEMPLATES and has_reference(match.group(2)):
            if deferred(match.group(1)):
                raise InvalidTransformation(f"Duplicate parameter - {match.group(1)}")
            templates.append((match.group(1), match.group(2)))
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
        if deferred(code):
            raise InvalidTransformation(f"Duplicate parameter - {code}")
        values[spec.name] = spec.parse(raw)
        tokens.append(part)
    if variables:
        values["variables"] = tuple(variables)
    if expressions:
        values["expressions"] = tuple(expressions)
    if templates:
        values["templates"] = tuple(templates)
    return Transformation(**values, canonical=",".join(sorted(tokens)))


# Parameters whose text is never a template: conditions evaluate their own operands, and a
# named transformation's name is looked up before any variable exists.
_NOT_TEMPLATES = ("if", "t")


def resolve(t: Transformation, variables: Mapping[str, Any]) -> Transformation:
    """The component with its expression-valued parameters computed and parsed like literals."""
    if not t.expressions and not t.templates:
        return t
    values = {}
    for code, expression in t.expressions:
        spec = PARAMS[code]
        values[spec.name] = spec.parse(as_literal(evaluate(expression, variables)))
    for code, text in t.templates:
        spec = PARAMS[code]
        value = spec.parse(substitute(text, variables))
        values[spec.name] = values[spec.name] | value if spec.name == "flags" and spec.name in values else value
    return dataclasses.replace(t, expressions=(), templates=(), **values)


def bind_constants(chain: Chain) -> Chain:
    """Resolve the templates and expressions that read only constant user variables (`$a_10`,
    `$s_!text!`) set before them, outside any condition: what must be known before planning
    (the text of a layer, which is drawn before the plan runs) is known then."""
    if not any(t.templates or t.expressions for t in chain.components):
        return chain
    variables: dict[str, Any] = {}
    out = []
    conditional = False
    for t in chain.components:
        conditional = conditional or t.condition is not None
        if not conditional:
            try:
                assign(t, variables)
            except InvalidTransformation:
                pass  # reads the image: left to the plan
        if not conditional and (t.templates or t.expressions):
            try:
                t = resolve(t, variables)
            except InvalidTransformation:
                pass
        out.append(t)
    return Chain(tuple(out))


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
    def profile_ids(self) -> frozenset[str]:
        """The public_ids of the raw ICC profiles that cs_icc: names."""
        return frozenset(t.colour_space[len(ICC_PREFIX):] for t in self.components
                         if t.colour_space is not None and t.colour_space.startswith(ICC_PREFIX))

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
