"""Band helpers every pixel step shares: alpha split and join, blends, solid colours, luma, LCh
round trips, and the effects' default colours. Images are sRGB uchar (3 bands, or 4 with alpha)."""

from __future__ import annotations

from collections.abc import Callable

import pyvips

from edge.grammar.effect_args import Level
from edge.grammar.values import Colour
from edge.imaging.ops import Filter


WHITE = Colour(255, 255, 255)
BLACK = Colour(0, 0, 0)
GREY = Colour(128, 128, 128)
TRANSPARENT = Colour(0, 0, 0, 0)


def split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def join_alpha(rgb: pyvips.Image, alpha: pyvips.Image | None) -> pyvips.Image:
    rgb = rgb.cast("uchar") if rgb.format != "uchar" else rgb
    out = rgb if alpha is None else rgb.bandjoin(alpha)
    return out.copy(interpretation="srgb")


def with_alpha(image: pyvips.Image) -> pyvips.Image:
    return image if image.hasalpha() else image.bandjoin(255)


def blend(original: pyvips.Image, changed: pyvips.Image, amount: float) -> pyvips.Image:
    """original*(1-amount) + changed*amount, amount in 0..1."""
    if amount >= 1:
        return changed
    if amount <= 0:
        return original
    return original * (1 - amount) + changed * amount


def solid(like: pyvips.Image, colour: Colour, bands: int = 3) -> pyvips.Image:
    return (pyvips.Image.black(like.width, like.height) + colour.rgba[:bands]).cast("uchar").copy(interpretation="srgb")


def luma(rgb: pyvips.Image) -> pyvips.Image:
    """Luma (Rec. 601), one float band."""
    return rgb.recomb([[0.299, 0.587, 0.114]])


def lch(rgb: pyvips.Image, fn: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    return fn(rgb.colourspace("lch")).colourspace("srgb")


def corner_colour(image: pyvips.Image) -> Colour:
    values = [round(v) for v in image.getpoint(0, 0)]
    return Colour(*values[:3])


def level(op: Filter) -> float:
    """The one level of an effect whose record is `Level`."""
    return op.effect.args_as(Level).level
