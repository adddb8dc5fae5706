"""Named transformations: `t_<name>` components replaced by their definitions. Pure.

A definition may itself use `t_`; expansion is depth-limited and refuses cycles. A `t_`
component stands alone (`t_thumb`, or `t_thumb.sepia` for several in a row); mixed with
other parameters it is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping

from edge.errors import InvalidTransformation
from edge.grammar.chain import Chain, Transformation

MAX_DEPTH = 5


def uses_named(chain: Chain) -> bool:
    return any(component.named for component in chain.components)


def expand(chain: Chain, lookup: Mapping[str, Chain], _seen: tuple[str, ...] = ()) -> Chain:
    if not uses_named(chain):
        return chain
    if len(_seen) >= MAX_DEPTH:
        raise InvalidTransformation("Named transformations nested too deeply")
    components: list[Transformation] = []
    for component in chain.components:
        if not component.named:
            components.append(component)
            continue
        if component.canonical != "t_" + ".".join(component.named):
            raise InvalidTransformation(f"A named transformation must stand alone - {component.canonical}")
        for name in component.named:
            if name in _seen:
                raise InvalidTransformation(f"Named transformation refers to itself - {name}")
            definition = lookup.get(name)
            if definition is None:
                raise InvalidTransformation(f"Invalid transformation - t_{name} is not defined")
            components.extend(expand(definition, lookup, (*_seen, name)).components)
    return Chain(tuple(components))
