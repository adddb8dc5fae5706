"""Sharpness and detail effects: sharpen, unsharp mask, blur and pixelate, on the whole image or
in regions (x,y,w,h boxes, detected faces)."""

from __future__ import annotations

from collections.abc import Callable

import pyvips

from edge.imaging.effects.bands import join_alpha, level, split_alpha
from edge.imaging.ops import Box, Filter


def blur_sigma(strength: float) -> float:
    """Cloudinary's blur 1-2000 -> a Gaussian sigma (100 -> 2.5 px, 2000 -> 50 px)."""
    return max(0.3, strength / 40)


def sharpen(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    amount = level(op) / 100
    blurred = rgb.gaussblur(1.0, precision="integer")
    return join_alpha(rgb + (rgb - blurred) * amount, alpha)


def unsharp_mask(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    amount = level(op) / 100
    blurred = rgb.gaussblur(2.0, precision="integer")
    return join_alpha(rgb + (rgb - blurred) * amount, alpha)


def blur(image: pyvips.Image, op: Filter) -> pyvips.Image:
    return image.gaussblur(blur_sigma(level(op)), precision="integer").copy(interpretation="srgb")


def pixelate(image: pyvips.Image, op: Filter) -> pyvips.Image:
    size = int(level(op)) or max(2, round(max(image.width, image.height) / 60))
    return _pixelate(image, size)


def _pixelate(image: pyvips.Image, size: int) -> pyvips.Image:
    size = max(1, min(size, image.width, image.height))
    if size == 1:
        return image
    small = image.resize(1 / size, kernel="linear")
    big = small.zoom(size, size)
    return big.embed(0, 0, image.width, image.height, extend="copy").copy(interpretation="srgb")


def _in_regions(image: pyvips.Image, regions: tuple[Box, ...], fn: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Apply fn to each region (blurred with its surroundings) and paste the results back."""
    image = image.copy_memory()
    for box in regions:
        tile = image.extract_area(box.left, box.top, box.width, box.height)
        image = image.insert(fn(tile).cast("uchar"), box.left, box.top)
    return image


def blur_region(image: pyvips.Image, op: Filter) -> pyvips.Image:
    sigma = blur_sigma(level(op))
    if op.whole_image and not op.regions:
        return blur(image, op)
    return _in_regions(image, op.regions, lambda tile: tile.gaussblur(sigma, precision="integer"))


def pixelate_region(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = int(level(op))
    if op.whole_image and not op.regions:
        return pixelate(image, op)
    return _in_regions(image, op.regions, lambda tile: _pixelate(tile, given or max(2, round(max(tile.width, tile.height) / 10))))
