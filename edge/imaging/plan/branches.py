"""Conditional branches of a chain (`if_` ... `if_else` ... `if_end`, nested): which components apply."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.chain import Transformation
from edge.grammar.expressions import holds


class Branches:
    """if_<cond> ... [if_else ...] if_end, nested. An `if_` component opens a block when an
    if_end closes it (its own other parameters apply when it holds); without one, only its
    own component is conditional (`if_ar_gt_1,w_500`). An if_else may carry parameters too."""

    def __init__(self, components: Sequence[Transformation]) -> None:
        self.stack: list[tuple[bool, bool]] = []  # (enclosing branch active, this branch held)
        self.blocks: set[int] = set()
        opened: list[int] = []
        for index, t in enumerate(components):
            kind = t.condition[0] if t.condition else None
            if kind == "if":
                opened.append(index)
            elif kind == "end" and opened:
                self.blocks.add(opened.pop())

    @property
    def active(self) -> bool:
        return all(parent and held for parent, held in self.stack)

    def admit(self, index: int, t: Transformation, variables: Mapping[str, Any]) -> bool:
        condition = t.condition
        if condition is None:
            return self.active
        alone = dataclasses.replace(t, condition=None) == Transformation()
        if condition[0] == "else":
            if not self.stack:
                raise InvalidTransformation("if_else without if")
            parent, held = self.stack[-1]
            self.stack[-1] = (parent, not held)
            return self.active and not alone
        if condition[0] == "end":
            if not self.stack:
                raise InvalidTransformation("if_end without if")
            self.stack.pop()
            return self.active and not alone
        held = self.active and holds(condition[1], variables)
        if index in self.blocks:
            self.stack.append((self.active, held))
        return held and not alone
