"""apply(image, op): one small function per Op type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyvips

from edge.grammar.values import Colour
from edge.imaging.ops import Crop, Flip, Op, Pad, Resize, Rotate, SmartCrop

WHITE = Colour(255, 255, 255)
TRANSPARENT = Colour(0, 0, 0, 0)
_RIGHT_ANGLES = {90.0: "d90", 180.0: "d180", 270.0: "d270"}


def resize(image: pyvips.Image, op: Resize, alpha_output: bool) -> pyvips.Image:
    if (image.width, image.height) == (op.width, op.height):
        return image
    out = image.resize(op.width / image.width, vscale=op.height / image.height)
    if (out.width, out.height) != (op.width, op.height):  # guard against float rounding
        out = out.embed(0, 0, op.width, op.height, extend="copy")
    return out


def crop(image: pyvips.Image, op: Crop, alpha_output: bool) -> pyvips.Image:
    return image.extract_area(op.left, op.top, op.width, op.height)


def smart_crop(image: pyvips.Image, op: SmartCrop, alpha_output: bool) -> pyvips.Image:
    # smartcrop reads the image more than once: give it random access to a (small) copy.
    return image.copy_memory().smartcrop(op.width, op.height, interesting="attention")


def _with_background(image: pyvips.Image, colour: Colour | None, alpha_output: bool) -> tuple[pyvips.Image, list[int]]:
    colour = colour or (TRANSPARENT if alpha_output else WHITE)
    if colour.alpha < 255 and not image.hasalpha():
        image = image.bandjoin(255)
    return image, colour.rgba[: image.bands]


def pad(image: pyvips.Image, op: Pad, alpha_output: bool) -> pyvips.Image:
    image, background = _with_background(image, op.background, alpha_output)
    return image.embed(op.left, op.top, op.width, op.height, extend="background", background=background)


def rotate(image: pyvips.Image, op: Rotate, alpha_output: bool) -> pyvips.Image:
    image = image.copy_memory()
    if op.degrees in _RIGHT_ANGLES:
        return image.rot(_RIGHT_ANGLES[op.degrees])
    image, background = _with_background(image, op.background, alpha_output)
    return image.rotate(op.degrees, background=background)


def flip(image: pyvips.Image, op: Flip, alpha_output: bool) -> pyvips.Image:
    return image.copy_memory().flip("horizontal" if op.horizontal else "vertical")


_STEPS: dict[type, Callable[[pyvips.Image, Any, bool], pyvips.Image]] = {
    Resize: resize,
    Crop: crop,
    SmartCrop: smart_crop,
    Pad: pad,
    Rotate: rotate,
    Flip: flip,
}


def apply(image: pyvips.Image, op: Op, alpha_output: bool) -> pyvips.Image:
    return _STEPS[type(op)](image, op, alpha_output)
