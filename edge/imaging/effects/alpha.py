"""Effects on the alpha shape and the edges: gradient fade, outline, drop shadow, trim, and making
a colour transparent."""

from __future__ import annotations

import pyvips

from edge.grammar.effect_args import ModeLevel, Outline, Trim
from edge.imaging.effects.bands import BLACK, corner_colour, join_alpha, level, solid, split_alpha, with_alpha
from edge.imaging.effects.detail import blur_sigma
from edge.imaging.ops import SHADOW_BLUR, Filter


def gradient_fade(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = op.effect.args_as(ModeLevel)
    mode, strength = given.mode, given.level
    image = with_alpha(image)
    rgb, alpha = split_alpha(image)
    x, y = op.offset
    horizontal = x != 0 and y == 0
    length = image.width if horizontal else image.height
    coordinate = pyvips.Image.xyz(image.width, image.height)[0 if horizontal else 1]
    if (horizontal and x < 0) or (not horizontal and y < 0):
        coordinate = (length - 1) - coordinate
    fade = max(1.0, length * float(strength) / 100)
    start = length - fade
    ramp = (1 - (coordinate - start) / fade)
    ramp = (coordinate < start).ifthenelse(1, ramp)
    if mode != "linear":
        mirrored = (1 - ((length - 1 - coordinate) - start) / fade)
        mirrored = ((length - 1 - coordinate) < start).ifthenelse(1, mirrored)
        ramp = (ramp < mirrored).ifthenelse(ramp, mirrored)
    return join_alpha(rgb, (alpha * ramp))


def _dilate(alpha: pyvips.Image, radius: int) -> pyvips.Image:
    size = 2 * radius + 1
    return alpha.rank(size, size, size * size - 1)


def _erode(alpha: pyvips.Image, radius: int) -> pyvips.Image:
    size = 2 * radius + 1
    return alpha.rank(size, size, 0)


def outline(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = op.effect.args_as(Outline)
    mode, width, blur_amount = given.mode, given.width, given.blur
    image = with_alpha(image)
    rgb, alpha = split_alpha(image)
    radius = max(1, round(float(width)))
    if mode in ("outer", "fill"):
        ring = _dilate(alpha, radius) - alpha
    elif mode in ("inner", "inner_fill"):
        ring = alpha - _erode(alpha, radius)
    else:
        ring = _dilate(alpha, radius) - _erode(alpha, radius)
    if mode in ("fill", "inner_fill"):
        ring = (ring > alpha).ifthenelse(ring, alpha)
    if float(blur_amount) > 0:
        ring = ring.gaussblur(blur_sigma(float(blur_amount)) / 4, precision="integer")
    colour = op.colour or BLACK
    drawn = solid(rgb, colour).bandjoin(ring.cast("uchar")).copy(interpretation="srgb")
    if mode in ("outer", "fill"):
        return drawn.composite2(image, "over").cast("uchar").copy(interpretation="srgb")
    return image.composite2(drawn, "over").cast("uchar").copy(interpretation="srgb")


def shadow(image: pyvips.Image, op: Filter) -> pyvips.Image:
    image = with_alpha(image)
    rgb, alpha = split_alpha(image)
    x, y = op.offset
    strength = level(op) / 100
    moved = alpha.affine([1, 0, 0, 1], odx=x, ody=y, oarea=[0, 0, alpha.width, alpha.height], background=[0])
    soft = (moved.gaussblur(SHADOW_BLUR / 2, precision="integer") * strength).cast("uchar")
    drawn = solid(rgb, op.colour or BLACK).bandjoin(soft).copy(interpretation="srgb")
    return drawn.composite2(image, "over").cast("uchar").copy(interpretation="srgb")


def trim(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = op.effect.args_as(Trim)
    tolerance, colour = given.tolerance, given.colour
    analysed = image.flatten(background=[255, 255, 255]) if image.hasalpha() else image
    background = (colour or corner_colour(analysed)).rgba[:3]
    left, top, width, height = analysed.find_trim(threshold=max(1.0, float(tolerance) * 2.55), background=background)
    if width == 0 or height == 0:
        return image
    return image.extract_area(left, top, width, height)


def _distance(rgb: pyvips.Image, colour: Colour) -> pyvips.Image:
    """Largest per-channel difference to a colour, 0-255."""
    diff = (rgb - colour.rgba[:3]).abs()
    return diff.bandrank([diff[1], diff[2]], index=2) if diff.bands == 3 else diff


def make_transparent(image: pyvips.Image, op: Filter) -> pyvips.Image:
    image = with_alpha(image)
    rgb, alpha = split_alpha(image)
    colour = op.colour or corner_colour(rgb)
    tolerance = level(op) * 2.55
    return join_alpha(rgb, (_distance(rgb, colour) <= tolerance).ifthenelse(0, alpha))
