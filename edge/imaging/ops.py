"""Op dataclasses: the steps of a Plan. Pure data in the image's current pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from edge.grammar.effect_args import Effect
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
    background: Colour | str | None  # a colour, "auto:<mode>" (from the image), or None


@dataclass(frozen=True, slots=True)
class Rotate:
    """Clockwise degrees; multiples of 90 are exact, others grow the canvas filled with background."""

    degrees: float
    background: Colour | None


@dataclass(frozen=True, slots=True)
class Flip:
    horizontal: bool


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in the image's current pixel coordinates (a region, a face)."""

    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Filter:
    """An effect (`e_`): the step function is looked up by the effect's name in imaging/effects/ (STEPS).

    regions: where to apply it (blur_region, the *_faces effects); empty = the whole image.
    offset: x/y of the component (shadow offset, gradient_fade direction)."""

    effect: Effect
    colour: Colour | None = None
    regions: tuple[Box, ...] = ()
    offset: tuple[int, int] = (0, 0)
    whole_image: bool = True  # False with regions: apply only there (an empty region list = nothing)


SHADOW_OFFSET = 10  # e_shadow without x_/y_
SHADOW_BLUR = 6  # the shadow's softness; the plan grows the canvas by twice this on each side


@dataclass(frozen=True, slots=True)
class Grow:
    """Extend the canvas for an effect that draws outside the image (shadow, outline)."""

    width: int
    height: int
    left: int
    top: int


@dataclass(frozen=True, slots=True)
class RoundCorners:
    radii: tuple[float, float, float, float]
    ellipse: bool
    background: Colour | None  # for formats without alpha: the corners' colour


@dataclass(frozen=True, slots=True)
class AddBorder:
    width: int
    colour: Colour
    radii: tuple[float, float, float, float] = (0, 0, 0, 0)  # follow rounded corners (r_ in the same component)
    ellipse: bool = False


@dataclass(frozen=True, slots=True)
class Opacity:
    percent: int


@dataclass(frozen=True, slots=True)
class Layer:
    """Draw source `key` (planned with `ops`) at (left, top) over the image, or under it."""

    key: str
    ops: tuple[Op, ...]
    left: int
    top: int
    blend: str = "over"  # over multiply screen overlay mask cutter
    opacity: int = 100
    tiled: bool = False
    underlay: bool = False


Op = Resize | Crop | SmartCrop | Pad | Rotate | Flip | Filter | Grow | RoundCorners | AddBorder | Opacity | Layer
