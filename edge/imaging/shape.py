"""Shape steps: rounded corners (r_), borders (bo_), opacity (o_), and the automatic padding colour (b_auto)."""

from __future__ import annotations

import math

import pyvips

from edge.grammar.colours import parse_palette_colour
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
    return auto_colours(image, mode)[0]


def auto_colours(image: pyvips.Image, spec: str) -> list[Colour]:
    """b_auto's colours (the grammar's canonical `auto:<mode>[:<count>:<direction>][:palette_...]`):
    one for a plain mode, `count` for a gradient, sampled along its direction from the image's
    border or from the whole image; the opposites for _contrast; the nearest of the palette's."""
    parts = spec.split(":")
    kind = parts[1]
    gradient = "gradient" in kind
    count, direction = (int(parts[2]), parts[3]) if gradient else (1, "horizontal")
    palette = next((p[len("palette_"):].split("_") for p in parts if p.startswith("palette_")), None)
    rgb, _ = split_alpha(image.copy_memory())
    samples = [_sample(rgb, kind.startswith("predominant"), count, index, direction) for index in range(count)]
    colours = [[round(sample[i].avg()) for i in range(3)] for sample in samples]
    if kind.endswith("contrast"):
        colours = [[255 - v for v in c] for c in colours]
    if palette:
        choices = [parse_palette_colour(name) for name in palette]
        colours = [min(choices, key=lambda p, c=c: sum((a - b) ** 2 for a, b in zip(p.rgba[:3], c, strict=True))).rgba[:3]  # type: ignore[misc]
                   for c in colours]
    return [Colour(*c[:3]) for c in colours]


def _sample(rgb: pyvips.Image, whole: bool, count: int, index: int, direction: str) -> pyvips.Image:
    """The index-th of `count` parts along the direction: of the whole image, or of its border."""
    w, h = rgb.width, rgb.height
    if count == 1:
        if whole:
            return rgb
        edge = max(1, min(w, h) // 50)
        return rgb.crop(0, 0, w, edge).join(rgb.crop(0, h - edge, w, edge), "vertical")
    part = (index, count)
    if direction == "vertical":
        top, bottom = _span(h, *part)
        region = rgb.crop(0, top, w, bottom - top)
    elif direction == "horizontal":
        left, right = _span(w, *part)
        region = rgb.crop(left, 0, right - left, h)
    else:  # diagonals: from one corner to the opposite one, in squares along the diagonal
        left, right = _span(w, *part)
        top, bottom = _span(h, *part)
        if direction == "diagonal_asc":
            top, bottom = h - bottom, h - top
        region = rgb.crop(left, top, right - left, bottom - top)
    if whole:
        return region
    edge = max(1, min(region.width, region.height) // 10)
    return region.crop(0, 0, region.width, edge).join(region.crop(0, region.height - edge, region.width, edge), "vertical") \
        if direction == "horizontal" else region.crop(0, 0, edge, region.height).join(
            region.crop(region.width - edge, 0, edge, region.height), "horizontal")


def _span(length: int, index: int, count: int) -> tuple[int, int]:
    start = length * index // count
    return start, max(start + 1, length * (index + 1) // count)


def gradient(width: int, height: int, colours: list[Colour], direction: str) -> pyvips.Image:
    """A canvas shading through the colours, evenly spaced along the direction."""
    xyz = pyvips.Image.xyz(width, height)
    x, y = xyz[0] / max(1, width - 1), xyz[1] / max(1, height - 1)
    t = {"horizontal": x, "vertical": y, "diagonal_desc": (x + y) / 2, "diagonal_asc": (x + 1 - y) / 2}[direction]
    steps = len(colours) - 1
    bands = []
    for band in range(3):
        value = t * 0 + colours[0].rgba[band]
        for index in range(1, len(colours)):
            ramp = (t - (index - 1) / steps) * steps
            ramp = (ramp < 0).ifthenelse(0, (ramp > 1).ifthenelse(1, ramp))
            value = value + ramp * (colours[index].rgba[band] - colours[index - 1].rgba[band])
        bands.append(value)
    return bands[0].bandjoin(bands[1:]).cast("uchar").copy(interpretation="srgb")


def blurred(image: pyvips.Image, width: int, height: int, intensity: float, brightness: float) -> pyvips.Image:
    """b_blurred's canvas: the image scaled to cover width x height, blurred (intensity 100 = a
    sigma of 2% of the canvas' longer side) and brightened or darkened (brightness -300..100)."""
    rgb, _ = split_alpha(image)
    scale = max(width / rgb.width, height / rgb.height)
    cover = rgb.resize(scale, vscale=scale) if scale != 1 else rgb
    left, top = max(0, (cover.width - width) // 2), max(0, (cover.height - height) // 2)
    cover = cover.crop(left, top, min(width, cover.width), min(height, cover.height))
    if (cover.width, cover.height) != (width, height):
        cover = cover.gravity("centre", width, height, extend="copy")
    sigma = max(0.5, max(width, height) * 0.02 * intensity / 100)
    out = cover.gaussblur(sigma, precision="approximate")
    if brightness:
        out = out * (1 + brightness / 100) if brightness < 0 else out + (255 - out) * (brightness / 100)
    return out.cast("uchar").copy(interpretation="srgb")
