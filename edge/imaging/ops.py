"""Op dataclasses: the steps of a Plan. Pure data in the image's current pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from edge.grammar.values import Colour


@dataclass(frozen=True, slots=True)
class Resize:
    """Resample to exactly width x height (may change the aspect ratio)."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Crop:
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class SmartCrop:
    """Keep the width x height region libvips' attention model finds most interesting."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Pad:
    """Place the image at (left, top) on a width x height canvas; None = transparent/white by format."""

    width: int
    height: int
    left: int
    top: int
    background: Colour | None


@dataclass(frozen=True, slots=True)
class Rotate:
    """Clockwise degrees; multiples of 90 are exact, others grow the canvas filled with background."""

    degrees: float
    background: Colour | None


@dataclass(frozen=True, slots=True)
class Flip:
    horizontal: bool


Op = Resize | Crop | SmartCrop | Pad | Rotate | Flip
