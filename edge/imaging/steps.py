"""apply(image, op): one small function per Op type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyvips

from edge.grammar.values import Colour
from edge.imaging import layers, shape
from edge.imaging.abort import Abort
from edge.imaging.effects import apply_filter
from edge.imaging.effects.bands import TRANSPARENT, WHITE, with_alpha
from edge.imaging.ops import AddBorder, Crop, Filter, Flip, Grow, Layer, Op, Opacity, Pad, Resize, Rotate, RoundCorners, SmartCrop


@dataclass(frozen=True, slots=True)
class StepEnv:
    """What steps need beyond the image: whether the output keeps alpha, and the layer sources."""

    alpha_output: bool
    sources: Mapping[str, pyvips.Image] = field(default_factory=dict)
    abort: Abort | None = None  # killed by the pool past the render timeout (checked between ops)
_RIGHT_ANGLES = {90.0: "d90", 180.0: "d180", 270.0: "d270"}


def resize(image: pyvips.Image, op: Resize, env: StepEnv) -> pyvips.Image:
    if (image.width, image.height) == (op.width, op.height):
        return image
    out = image.resize(op.width / image.width, vscale=op.height / image.height)
    if (out.width, out.height) != (op.width, op.height):  # guard against float rounding
        out = out.embed(0, 0, op.width, op.height, extend="copy")
    return out


def crop(image: pyvips.Image, op: Crop, env: StepEnv) -> pyvips.Image:
    return image.extract_area(op.left, op.top, op.width, op.height)


def smart_crop(image: pyvips.Image, op: SmartCrop, env: StepEnv) -> pyvips.Image:
    # smartcrop reads the image more than once: give it random access to a (small) copy.
    return image.copy_memory().smartcrop(op.width, op.height, interesting="attention")


def _with_background(image: pyvips.Image, colour: Colour | None, alpha_output: bool) -> tuple[pyvips.Image, list[int]]:
    colour = colour or (TRANSPARENT if alpha_output else WHITE)
    if colour.alpha < 255 and not image.hasalpha():
        image = image.bandjoin(255)
    return image, colour.rgba[: image.bands]


def pad(image: pyvips.Image, op: Pad, env: StepEnv) -> pyvips.Image:
    colour = op.background
    if isinstance(colour, str):  # b_auto: measured from the pixels, which a sequential decode reads once
        image = image.copy_memory()
        colour = shape.auto_background(image, colour)
    image, background = _with_background(image, colour, env.alpha_output)
    return image.embed(op.left, op.top, op.width, op.height, extend="background", background=background)


def rotate(image: pyvips.Image, op: Rotate, env: StepEnv) -> pyvips.Image:
    image = image.copy_memory()
    if op.degrees in _RIGHT_ANGLES:
        return image.rot(_RIGHT_ANGLES[op.degrees])
    image, background = _with_background(image, op.background, env.alpha_output)
    return image.rotate(op.degrees, background=background)


def flip(image: pyvips.Image, op: Flip, env: StepEnv) -> pyvips.Image:
    return image.copy_memory().flip("horizontal" if op.horizontal else "vertical")


def filter_(image: pyvips.Image, op: Filter, env: StepEnv) -> pyvips.Image:
    return apply_filter(image, op)


def grow(image: pyvips.Image, op: Grow, env: StepEnv) -> pyvips.Image:
    image = with_alpha(image)
    return image.embed(op.left, op.top, op.width, op.height, extend="background", background=[0, 0, 0, 0])


def round_corners(image: pyvips.Image, op: RoundCorners, env: StepEnv) -> pyvips.Image:
    return shape.round_corners(image, op.radii, op.ellipse)


def add_border(image: pyvips.Image, op: AddBorder, env: StepEnv) -> pyvips.Image:
    return shape.add_border(image, op.width, op.colour, op.radii, op.ellipse)


def opacity(image: pyvips.Image, op: Opacity, env: StepEnv) -> pyvips.Image:
    return shape.opacity(image, op.percent)


def layer(image: pyvips.Image, op: Layer, env: StepEnv) -> pyvips.Image:
    source = env.sources[op.key]
    for inner in op.ops:
        source = apply(source, inner, StepEnv(True, env.sources, env.abort))
    return layers.compose(image, source, op.left, op.top, op.blend, op.opacity, op.tiled, op.underlay)


_STEPS: dict[type, Callable[[pyvips.Image, Any, StepEnv], pyvips.Image]] = {
    Resize: resize,
    Crop: crop,
    SmartCrop: smart_crop,
    Pad: pad,
    Rotate: rotate,
    Flip: flip,
    Filter: filter_,
    Grow: grow,
    RoundCorners: round_corners,
    AddBorder: add_border,
    Opacity: opacity,
    Layer: layer,
}


def apply(image: pyvips.Image, op: Op, env: StepEnv) -> pyvips.Image:
    return _STEPS[type(op)](image, op, env)
