"""What planning takes beyond the chain (PlanContext) and what it gives (Plan). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge.imaging.ops import Box, Op


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What planning needs beyond the chain: layer sizes (by layer_key) and detected faces."""

    layers: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    faces: tuple[Box, ...] = ()
    depth: int = 0
    page_count: int = 1
    tags: tuple[str, ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)
    inherited: Mapping[str, Any] = field(default_factory=dict)  # user $variables of the enclosing chain (layers)


@dataclass(frozen=True, slots=True)
class Plan:
    ops: tuple[Op, ...]
    width: int
    height: int
