"""Named transformations (`t_<name>`, `t_a.b`): expand(chain, lookup) with depth and cycle limits.

A component that is only `t_<name>` is replaced by the named chain's components; with other
parameters beside it, the named components come first and the rest of the component after.
Named chains may use `t_` themselves, up to MAX_DEPTH deep; a name that refers back to itself
is a 400 naming the cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from edge.errors import InvalidTransformation, SettingsError
from edge.grammar.chain import Chain, Transformation, parse_chain
from edge.grammar.params import code_for

MAX_DEPTH = 5
_NAMED_PREFIX = code_for("named") + "_"
MAX_COMPONENTS = 64


def parse_named(definitions: str) -> dict[str, Chain]:
    """`name=transformation;name2=...` (the config's form) -> {name: Chain}. Raises InvalidTransformation."""
    named: dict[str, Chain] = {}
    for entry in filter(None, (part.strip() for part in definitions.split(";"))):
        name, sep, text = entry.partition("=")
        if not sep or not name.strip():
            raise InvalidTransformation(f"Invalid named transformation - {entry}")
        named[name.strip()] = parse_chain(text.strip())
    return named


def parse_named_settings(definitions: Mapping[str, str] | str) -> dict[str, Chain]:
    """The setting's {name: transformation} (or its text form) -> {name: Chain} for start-up:
    every bad definition is reported together, as a settings error naming the variable."""
    if isinstance(definitions, str):
        try:
            return parse_named(definitions)
        except InvalidTransformation as exc:
            raise SettingsError([f"EDGE_TRANSFORMATIONS_NAMED: {exc.public_message}"]) from None
    named, problems = {}, []
    for name, text in definitions.items():
        try:
            named[name] = parse_chain(text)
        except InvalidTransformation as exc:
            problems.append(f"EDGE_TRANSFORMATIONS_NAMED: {name}: {exc.public_message}")
    if problems:
        raise SettingsError(problems)
    return named


def uses_named(chain: Chain) -> bool:
    return any(t.named for t in chain.components)


def expand(chain: Chain, lookup: Mapping[str, Chain]) -> Chain:
    if not uses_named(chain):
        return chain
    components = _expand(chain.components, lookup, ())
    if len(components) > MAX_COMPONENTS:
        raise InvalidTransformation(f"Too many transformation components - {len(components)}")
    return Chain(tuple(components))


def _expand(components: tuple[Transformation, ...], lookup: Mapping[str, Chain], trail: tuple[str, ...]) -> list[Transformation]:
    out: list[Transformation] = []
    for t in components:
        if not t.named:
            out.append(t)
            continue
        for name in t.named:
            if name in trail:
                raise InvalidTransformation(f"Named transformation cycle - {' -> '.join((*trail, name))}")
            if len(trail) >= MAX_DEPTH:
                raise InvalidTransformation(f"Named transformations nested too deep - {name}")
            if name not in lookup:
                raise InvalidTransformation(f"Unknown named transformation - {name}")
            out.extend(_expand(lookup[name].components, lookup, (*trail, name)))
        rest = dataclasses.replace(t, named=None)
        if rest != Transformation():
            out.append(dataclasses.replace(rest, canonical=",".join(p for p in t.canonical.split(",") if not p.startswith(_NAMED_PREFIX))))
    return out
