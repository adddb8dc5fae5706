"""Shape steps: rounded corners (r_), borders (bo_), opacity (o_), and the automatic padding colour (b_auto)."""

from __future__ import annotations

import math

import pyvips

from edge.grammar.values import Colour
from edge.imaging.effects.bands import join_alpha, solid, split_alpha, with_alpha


def _corner_mask(radius: float) -> pyvips.Image:
    """An r x r antialiased quarter disc (top-left corner: opaque towards the bottom-right)."""
    size = max(1, math.ceil(radius))
    xyz = pyvips.Image.xyz(size, size)
    dx, dy = (radius - 0.5) - xyz[0], (radius - 0.5) - xyz[1]
    distance = (dx * dx + dy * dy) ** 0.5
    inside = (radius - distance + 0.5) * 255
    return (inside > 255).ifthenelse(255, (inside < 0).ifthenelse(0, inside)).cast("uchar")

def rounded_mask(width: int, height: int, radii: tuple[float, float, float, float], ellipse: bool) -> pyvips.Image:
    if ellipse:
        xyz = pyvips.Image.xyz(width, height)
        rx, ry = width / 2, height / 2
        dx, dy = (xyz[0] + 0.5 - rx) / rx, (xyz[1] + 0.5 - ry) / ry
        distance = (dx * dx + dy * dy) ** 0.5
        edge = (1 - distance) * min(rx, ry) + 0.5
        return (edge > 1).ifthenelse(255, (edge < 0).ifthenelse(0, edge * 255)).cast("uchar")
    mask = pyvips.Image.black(width, height).invert()  # 255 everywhere, uchar, no arithmetic
    limit = min(width, height) / 2
    for index, radius in enumerate(radii):
        radius = min(radius, limit)
        if radius < 1:
            continue
        corner = _corner_mask(radius)
        size = corner.width
        if index == 1:
            corner = corner.fliphor()
        elif index == 2:
            corner = corner.rot180()
        elif index == 3:
            corner = corner.flipver()
        left = 0 if index in (0, 3) else width - size
        top = 0 if index in (0, 1) else height - size
        mask = mask.insert(corner, left, top)
    return mask

def round_corners(image: pyvips.Image, radii: tuple[float, float, float, float], ellipse: bool) -> pyvips.Image:
    mask = rounded_mask(image.width, image.height, radii, ellipse)
    if not image.hasalpha():  # the mask is the alpha: no arithmetic on the whole image
        return image.bandjoin(mask).copy(interpretation="srgb")
    rgb, alpha = split_alpha(image)
    return join_alpha(rgb, (alpha * mask / 255).cast("uchar"))

def add_border(image: pyvips.Image, width: int, colour: Colour, radii: tuple[float, float, float, float], ellipse: bool) -> pyvips.Image:
    if width <= 0:
        return image
    w, h = image.width + 2 * width, image.height + 2 * width
    rounded = ellipse or any(r > 0 for r in radii)
    if not rounded and colour.alpha == 255 and not image.hasalpha():
        return image.embed(width, width, w, h, extend="background", background=colour.rgba[:3])
    frame = solid(pyvips.Image.black(w, h), colour, 4)
    if rounded:
        grown = tuple(r + width if r > 0 else 0 for r in radii)
        frame = join_alpha(frame.extract_band(0, n=3), (rounded_mask(w, h, grown, ellipse) * colour.alpha / 255).cast("uchar"))  # type: ignore[arg-type]
    return frame.composite2(with_alpha(image), "over", x=width, y=width).cast("uchar").copy(interpretation="srgb")

def opacity(image: pyvips.Image, percent: int) -> pyvips.Image:
    rgb, alpha = split_alpha(with_alpha(image))
    return join_alpha(rgb, (alpha * (percent / 100)).cast("uchar"))

def auto_background(image: pyvips.Image, mode: str) -> Colour:
    """b_auto: the mean colour of the image's border (or of the whole image), or its opposite."""
    rgb, _ = split_alpha(image.copy_memory())
    kind = mode.partition(":")[2]
    if kind.startswith("predominant"):
        sample = rgb
    else:
        edge = max(1, min(rgb.width, rgb.height) // 50)
        strips = [rgb.crop(0, 0, rgb.width, edge), rgb.crop(0, rgb.height - edge, rgb.width, edge)]
        sample = strips[0].join(strips[1], "vertical")
    means = [round(sample[i].avg()) for i in range(3)]
    if kind.endswith("contrast"):
        means = [255 - v for v in means]
    return Colour(*means)
