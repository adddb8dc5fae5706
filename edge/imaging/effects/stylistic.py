"""Stylistic effects that redraw the picture: vignette, noise, oil paint, cartoon, ordered dither."""

from __future__ import annotations

import math

import pyvips

from edge.grammar.effect_args import Cartoonify
from edge.imaging.effects.bands import join_alpha, level, luma, split_alpha
from edge.imaging.ops import Filter


def _radial_distance(width: int, height: int) -> pyvips.Image:
    """0 at the centre, 1 at the middle of each edge, sqrt(2) at the corners."""
    xyz = pyvips.Image.xyz(width, height)
    cx, cy = (width - 1) / 2 or 1, (height - 1) / 2 or 1
    dx = (xyz[0] - cx) / cx
    dy = (xyz[1] - cy) / cy
    return (dx * dx + dy * dy) ** 0.5


def vignette(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    strength = level(op) / 100
    distance = _radial_distance(rgb.width, rgb.height)
    ramp = (distance - 0.3) / (math.sqrt(2) - 0.3)
    darkening = (ramp > 0).ifthenelse(ramp, 0)
    mask = 1 - strength * darkening
    return join_alpha(rgb * mask, alpha)


def noise(image: pyvips.Image, op: Filter) -> pyvips.Image:
    amount = level(op)
    if amount <= 0:
        return image
    rgb, alpha = split_alpha(image)
    grain = pyvips.Image.gaussnoise(rgb.width, rgb.height, sigma=amount * 0.6, mean=0)
    return join_alpha(rgb + grain, alpha)


def oil_paint(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    size = 3 + 2 * int(level(op) / 25)
    return join_alpha(rgb.median(size), alpha)


def cartoonify(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = op.effect.args_as(Cartoonify)
    line, reduction = given.line, given.reduction
    rgb, alpha = split_alpha(image)
    if reduction == "bw":
        grey = luma(rgb)
        flat = grey.bandjoin([grey, grey])
        levels = 4
    else:
        flat = rgb.median(5)
        levels = max(2, round(2 + (100 - float(reduction)) / 100 * 14))
    step = 256 / levels
    posterized = ((flat / step).floor() * step + step / 2)
    if float(line) > 0:
        edges = luma(rgb.gaussblur(1.0, precision="integer")).cast("uchar").sobel()
        threshold = max(16.0, 160 - float(line) * 1.2)
        posterized = (edges > threshold).bandjoin([edges > threshold] * 2).ifthenelse([0, 0, 0], posterized)
    return join_alpha(posterized, alpha)


_BAYER4 = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]


def ordered_dither(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    shades = 2 + int(level(op)) // 3  # 0-2: two shades a channel ... 18: eight
    threshold = (pyvips.Image.new_from_list(_BAYER4) + 0.5) / 16
    tiled = threshold.replicate(math.ceil(rgb.width / 4), math.ceil(rgb.height / 4)).crop(0, 0, rgb.width, rgb.height)
    scaled = rgb / 255 * (shades - 1)
    dithered = ((scaled - scaled.floor()) > tiled).ifthenelse(scaled.ceil(), scaled.floor()) * (255 / (shades - 1))
    return join_alpha(dithered, alpha)
