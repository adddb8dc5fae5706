"""One small function per effect (`e_<name>`), plus the shape and layer helpers the steps use.

Every function takes an sRGB uchar image (3 bands, or 4 with alpha) and returns one. Colour
work happens on the colour bands only; alpha is carried through untouched unless the effect
is about transparency. Levels follow Cloudinary's documented ranges (see grammar/params.py).
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Callable

import pyvips

from edge.grammar.values import Colour
from edge.errors import SourceTooLarge
from edge.imaging.ops import SHADOW_BLUR, Box, Filter

WHITE = Colour(255, 255, 255)
BLACK = Colour(0, 0, 0)
GREY = Colour(128, 128, 128)
TRANSPARENT = Colour(0, 0, 0, 0)


# --- helpers -----------------------------------------------------------------------------------

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


def _blend(original: pyvips.Image, changed: pyvips.Image, amount: float) -> pyvips.Image:
    """original*(1-amount) + changed*amount, amount in 0..1."""
    if amount >= 1:
        return changed
    if amount <= 0:
        return original
    return original * (1 - amount) + changed * amount


def _solid(like: pyvips.Image, colour: Colour, bands: int = 3) -> pyvips.Image:
    return (pyvips.Image.black(like.width, like.height) + colour.rgba[:bands]).cast("uchar").copy(interpretation="srgb")


def _grey(rgb: pyvips.Image) -> pyvips.Image:
    """Luma (Rec. 601), one float band."""
    return rgb.recomb([[0.299, 0.587, 0.114]])


def _lch(rgb: pyvips.Image, fn: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    return fn(rgb.colourspace("lch")).colourspace("srgb")


# --- colour effects ------------------------------------------------------------------------------

def grayscale(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    grey = _grey(rgb)
    return join_alpha(grey.bandjoin([grey, grey]), alpha)


def blackwhite(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    threshold = float(op.effect.args[0]) * 2.55
    bw = (_grey(rgb) > threshold).cast("uchar")
    return join_alpha(bw.bandjoin([bw, bw]), alpha)


# The classic sepia matrix applied to a grey pixel multiplies it by these (its row sums).
_SEPIA_TONE = (0.393 + 0.769 + 0.189, 0.349 + 0.686 + 0.168, 0.272 + 0.534 + 0.131)


def sepia(image: pyvips.Image, op: Filter) -> pyvips.Image:
    """Tone the luma, never the input's colours: a saturated blue becomes a dark warm brown too
    (the level sets how warm the tone is, 100 = the classic matrix on grey)."""
    rgb, alpha = split_alpha(image)
    warmth = float(op.effect.args[0]) / 100
    grey = _grey(rgb)
    grey = grey.bandjoin([grey, grey])
    factors = [1 + (tone - 1) * warmth for tone in _SEPIA_TONE]
    toned = grey.linear(factors, [0, 0, 0])
    # Channels lifted above grey would clip in the highlights (a yellow would turn white): past
    # the knee they follow a line that ends at white instead, so the tone stays warm up there.
    lifted = [f >= 1 for f in factors]
    rolled = grey.linear([2 - f if up else f for f, up in zip(factors, lifted)],
                         [255 * (f - 1) if up else 0 for f, up in zip(factors, lifted)])
    return join_alpha((toned < rolled).ifthenelse(toned, rolled), alpha)


def negate(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(rgb.invert(), alpha)


def brightness(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(rgb * (1 + float(op.effect.args[0]) / 100), alpha)


def contrast(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    factor = 1 + float(op.effect.args[0]) / 100
    return join_alpha(rgb.linear(factor, 128 * (1 - factor)), alpha)


def saturation(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    factor = 1 + float(op.effect.args[0]) / 100
    return join_alpha(_lch(rgb, lambda lch: lch.linear([1, factor, 1], [0, 0, 0])), alpha)


def hue(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    degrees = float(op.effect.args[0]) * 1.8
    return join_alpha(_lch(rgb, lambda lch: lch.linear([1, 1, 1], [0, 0, degrees])), alpha)


def gamma(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    exponent = 1 / (1 + float(op.effect.args[0]) / 100)
    return join_alpha(rgb.gamma(exponent=1 / exponent), alpha)


def vibrance(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    strength = float(op.effect.args[0]) / 100

    def boost(lch: pyvips.Image) -> pyvips.Image:
        chroma = lch[1]
        weight = 1 - chroma / 100
        weight = (weight > 0).ifthenelse(weight, 0) if strength > 0 else 1
        return lch[0].bandjoin([chroma * (1 + strength * weight), lch[2]]).copy(interpretation="lch")

    return join_alpha(_lch(rgb, boost), alpha)


def tint(image: pyvips.Image, op: Filter) -> pyvips.Image:
    equalize, amount, *colours = op.effect.args
    rgb, alpha = split_alpha(image)
    source = rgb.hist_equal() if equalize else rgb
    stops = [BLACK, colours[0], WHITE] if len(colours) == 1 else list(colours)
    lut = _lut_image(stops)
    tinted = _grey(source).cast("uchar").maplut(lut)
    return join_alpha(_blend(rgb, tinted, float(amount) / 100), alpha)


def _lut_image(stops: list) -> pyvips.Image:  # type: ignore[type-arg]
    values = []
    for i in range(256):
        position = i / 255 * (len(stops) - 1)
        low = min(int(position), len(stops) - 2)
        t = position - low
        a, b = stops[low], stops[low + 1]
        values.append([a.red + (b.red - a.red) * t, a.green + (b.green - a.green) * t, a.blue + (b.blue - a.blue) * t])
    bands = [pyvips.Image.new_from_list([[round(v[c]) for v in values]]) for c in range(3)]
    return bands[0].bandjoin(bands[1:]).cast("uchar")


def colorize(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    colour = op.colour or GREY
    # Keep each pixel's lightness, take hue and chroma from the colour.
    lab = rgb.colourspace("lab")
    tone = _solid(pyvips.Image.black(1, 1), colour).colourspace("lab").getpoint(0, 0)
    coloured = lab[0].bandjoin([lab[0] * 0 + tone[1], lab[0] * 0 + tone[2]]).copy(interpretation="lab").colourspace("srgb")
    return join_alpha(_blend(rgb, coloured, float(op.effect.args[0]) / 100), alpha)


def _channel(index: int) -> Callable[[pyvips.Image, Filter], pyvips.Image]:
    def adjust(image: pyvips.Image, op: Filter) -> pyvips.Image:
        rgb, alpha = split_alpha(image)
        factors = [1.0, 1.0, 1.0]
        factors[index] = 1 + float(op.effect.args[0]) / 100
        return join_alpha(rgb.linear(factors, [0, 0, 0]), alpha)

    return adjust


def _stretch(band: pyvips.Image, low_percent: float, high_percent: float) -> pyvips.Image:
    band = band.cast("uchar")
    low, high = band.percent(low_percent), band.percent(high_percent)
    if high <= low:
        return band
    return band.linear(255 / (high - low), -low * 255 / (high - low))


def auto_brightness(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    lab = rgb.colourspace("lab")
    lightness = lab[0]
    low, high = lightness.min(), lightness.max()
    if high > low:
        lightness = lightness.linear(100 / (high - low), -low * 100 / (high - low))
    stretched = lightness.bandjoin([lab[1], lab[2]]).copy(interpretation="lab").colourspace("srgb")
    return join_alpha(_blend(rgb, stretched, float(op.effect.args[0]) / 100), alpha)


def _auto_contrast_rgb(rgb: pyvips.Image) -> pyvips.Image:
    return _stretch(rgb[0], 1, 99).bandjoin([_stretch(rgb[1], 1, 99), _stretch(rgb[2], 1, 99)])


def auto_contrast(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(_blend(rgb, _auto_contrast_rgb(rgb), float(op.effect.args[0]) / 100), alpha)


def _grey_world(rgb: pyvips.Image) -> pyvips.Image:
    means = [max(1.0, rgb[i].avg()) for i in range(3)]
    overall = sum(means) / 3
    return rgb.linear([overall / m for m in means], [0, 0, 0])


def auto_color(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(_blend(rgb, _grey_world(rgb), float(op.effect.args[0]) / 100), alpha)


def improve(image: pyvips.Image, op: Filter) -> pyvips.Image:
    _, blend = op.effect.args
    rgb, alpha = split_alpha(image)
    improved = _auto_contrast_rgb(_grey_world(rgb).cast("uchar"))
    return join_alpha(_blend(rgb, improved, float(blend) / 100), alpha)


# --- sharpness and blur --------------------------------------------------------------------------

def blur_sigma(strength: float) -> float:
    """Cloudinary's blur 1-2000 -> a Gaussian sigma (100 -> 2.5 px, 2000 -> 50 px)."""
    return max(0.3, strength / 40)


def sharpen(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    amount = float(op.effect.args[0]) / 100
    blurred = rgb.gaussblur(1.0, precision="integer")
    return join_alpha(rgb + (rgb - blurred) * amount, alpha)


def unsharp_mask(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    amount = float(op.effect.args[0]) / 100
    blurred = rgb.gaussblur(2.0, precision="integer")
    return join_alpha(rgb + (rgb - blurred) * amount, alpha)


def blur(image: pyvips.Image, op: Filter) -> pyvips.Image:
    return image.gaussblur(blur_sigma(float(op.effect.args[0])), precision="integer").copy(interpretation="srgb")


def pixelate(image: pyvips.Image, op: Filter) -> pyvips.Image:
    size = int(op.effect.args[0]) or max(2, round(max(image.width, image.height) / 60))
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
    sigma = blur_sigma(float(op.effect.args[0]))
    if op.whole_image and not op.regions:
        return blur(image, op)
    return _in_regions(image, op.regions, lambda tile: tile.gaussblur(sigma, precision="integer"))


def pixelate_region(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = int(op.effect.args[0])
    if op.whole_image and not op.regions:
        return pixelate(image, op)
    return _in_regions(image, op.regions, lambda tile: _pixelate(tile, given or max(2, round(max(tile.width, tile.height) / 10))))


# --- stylistic -----------------------------------------------------------------------------------

def _radial_distance(width: int, height: int) -> pyvips.Image:
    """0 at the centre, 1 at the middle of each edge, sqrt(2) at the corners."""
    xyz = pyvips.Image.xyz(width, height)
    cx, cy = (width - 1) / 2 or 1, (height - 1) / 2 or 1
    dx = (xyz[0] - cx) / cx
    dy = (xyz[1] - cy) / cy
    return (dx * dx + dy * dy) ** 0.5


def vignette(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    strength = float(op.effect.args[0]) / 100
    distance = _radial_distance(rgb.width, rgb.height)
    ramp = (distance - 0.3) / (math.sqrt(2) - 0.3)
    darkening = (ramp > 0).ifthenelse(ramp, 0)
    mask = 1 - strength * darkening
    return join_alpha(rgb * mask, alpha)


def gradient_fade(image: pyvips.Image, op: Filter) -> pyvips.Image:
    mode, strength = op.effect.args
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


def noise(image: pyvips.Image, op: Filter) -> pyvips.Image:
    level = float(op.effect.args[0])
    if level <= 0:
        return image
    rgb, alpha = split_alpha(image)
    grain = pyvips.Image.gaussnoise(rgb.width, rgb.height, sigma=level * 0.6, mean=0)
    return join_alpha(rgb + grain, alpha)


def oil_paint(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    size = 3 + 2 * int(float(op.effect.args[0]) / 25)
    return join_alpha(rgb.median(size), alpha)


def cartoonify(image: pyvips.Image, op: Filter) -> pyvips.Image:
    line, reduction = op.effect.args
    rgb, alpha = split_alpha(image)
    if reduction == "bw":
        grey = _grey(rgb)
        flat = grey.bandjoin([grey, grey])
        levels = 4
    else:
        flat = rgb.median(5)
        levels = max(2, round(2 + (100 - float(reduction)) / 100 * 14))
    step = 256 / levels
    posterized = ((flat / step).floor() * step + step / 2)
    if float(line) > 0:
        edges = _grey(rgb.gaussblur(1.0, precision="integer")).cast("uchar").sobel()
        threshold = max(16.0, 160 - float(line) * 1.2)
        posterized = (edges > threshold).bandjoin([edges > threshold] * 2).ifthenelse([0, 0, 0], posterized)
    return join_alpha(posterized, alpha)


def _dilate(alpha: pyvips.Image, radius: int) -> pyvips.Image:
    size = 2 * radius + 1
    return alpha.rank(size, size, size * size - 1)


def _erode(alpha: pyvips.Image, radius: int) -> pyvips.Image:
    size = 2 * radius + 1
    return alpha.rank(size, size, 0)


def outline(image: pyvips.Image, op: Filter) -> pyvips.Image:
    mode, width, blur_amount = op.effect.args
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
    drawn = _solid(rgb, colour).bandjoin(ring.cast("uchar")).copy(interpretation="srgb")
    if mode in ("outer", "fill"):
        return drawn.composite2(image, "over").cast("uchar").copy(interpretation="srgb")
    return image.composite2(drawn, "over").cast("uchar").copy(interpretation="srgb")


def shadow(image: pyvips.Image, op: Filter) -> pyvips.Image:
    image = with_alpha(image)
    rgb, alpha = split_alpha(image)
    x, y = op.offset
    strength = float(op.effect.args[0]) / 100
    moved = alpha.affine([1, 0, 0, 1], odx=x, ody=y, oarea=[0, 0, alpha.width, alpha.height], background=[0])
    soft = (moved.gaussblur(SHADOW_BLUR / 2, precision="integer") * strength).cast("uchar")
    drawn = _solid(rgb, op.colour or BLACK).bandjoin(soft).copy(interpretation="srgb")
    return drawn.composite2(image, "over").cast("uchar").copy(interpretation="srgb")


def corner_colour(image: pyvips.Image) -> Colour:
    values = [round(v) for v in image.getpoint(0, 0)]
    return Colour(*values[:3])


def trim(image: pyvips.Image, op: Filter) -> pyvips.Image:
    tolerance, colour = op.effect.args
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
    tolerance = float(op.effect.args[0]) * 2.55
    return join_alpha(rgb, (_distance(rgb, colour) <= tolerance).ifthenelse(0, alpha))


def _prominent_colour(rgb: pyvips.Image) -> Colour:
    """The most common saturated colour (on a small copy), for replace_color without a 'from'."""
    small = rgb.thumbnail_image(48, height=48).cast("uchar")
    data = bytes(small.write_to_memory())
    counts: Counter[tuple[int, int, int]] = Counter()
    for i in range(0, len(data) - 2, small.bands):
        r, g, b = data[i], data[i + 1], data[i + 2]
        if max(r, g, b) - min(r, g, b) > 60:
            counts[(r // 32, g // 32, b // 32)] += 1
    if not counts:
        return corner_colour(rgb)
    r, g, b = counts.most_common(1)[0][0]
    return Colour(r * 32 + 16, g * 32 + 16, b * 32 + 16)


def replace_color(image: pyvips.Image, op: Filter) -> pyvips.Image:
    target, tolerance, source = op.effect.args
    rgb, alpha = split_alpha(image)
    source = source or _prominent_colour(rgb)
    lab = rgb.colourspace("lab")
    source_lab = _solid(pyvips.Image.black(1, 1), source).colourspace("lab").getpoint(0, 0)
    target_lab = _solid(pyvips.Image.black(1, 1), target).colourspace("lab").getpoint(0, 0)
    delta = [target_lab[i] - source_lab[i] for i in range(3)]
    distance = lab.dE76(_solid(rgb, source).colourspace("lab"))
    limit = max(1.0, float(tolerance) * 1.2)
    weight = (1 - distance / limit)
    weight = (weight > 0).ifthenelse(weight, 0)
    shifted = (lab + [d * 1 for d in delta]).copy(interpretation="lab")
    mixed = (lab * (1 - weight) + shifted * weight).copy(interpretation="lab").colourspace("srgb")
    return join_alpha(mixed, alpha)


_BAYER4 = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]


def ordered_dither(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    level = int(float(op.effect.args[0]))
    shades = 2 + level // 3  # 0-2: two shades a channel ... 18: eight
    threshold = (pyvips.Image.new_from_list(_BAYER4) + 0.5) / 16
    tiled = threshold.replicate(math.ceil(rgb.width / 4), math.ceil(rgb.height / 4)).crop(0, 0, rgb.width, rgb.height)
    scaled = rgb / 255 * (shades - 1)
    dithered = ((scaled - scaled.floor()) > tiled).ifthenelse(scaled.ceil(), scaled.floor()) * (255 / (shades - 1))
    return join_alpha(dithered, alpha)


_COLORBLIND = {
    "protanopia": [[0.567, 0.433, 0], [0.558, 0.442, 0], [0, 0.242, 0.758]],
    "deuteranopia": [[0.625, 0.375, 0], [0.7, 0.3, 0], [0, 0.3, 0.7]],
    "tritanopia": [[0.95, 0.05, 0], [0, 0.433, 0.567], [0, 0.475, 0.525]],
    "deuteranomaly": [[0.8, 0.2, 0], [0.258, 0.742, 0], [0, 0.142, 0.858]],
    "tritanomaly": [[0.967, 0.033, 0], [0, 0.733, 0.267], [0, 0.183, 0.817]],
    "cone_monochromacy": [[0.618, 0.32, 0.062], [0.163, 0.775, 0.062], [0.163, 0.32, 0.516]],
    "rod_monochromacy": [[0.299, 0.587, 0.114], [0.299, 0.587, 0.114], [0.299, 0.587, 0.114]],
}


def simulate_colorblind(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(rgb.recomb(_COLORBLIND[str(op.effect.args[0])]), alpha)


def _layer_only(image: pyvips.Image, op: Filter) -> pyvips.Image:
    return image  # blend modes act when the layer is composed (see compose)


_EFFECTS: dict[str, Callable[[pyvips.Image, Filter], pyvips.Image]] = {
    "grayscale": grayscale,
    "blackwhite": blackwhite,
    "sepia": sepia,
    "negate": negate,
    "brightness": brightness,
    "contrast": contrast,
    "saturation": saturation,
    "hue": hue,
    "gamma": gamma,
    "vibrance": vibrance,
    "tint": tint,
    "colorize": colorize,
    "red": _channel(0),
    "green": _channel(1),
    "blue": _channel(2),
    "auto_brightness": auto_brightness,
    "auto_contrast": auto_contrast,
    "auto_color": auto_color,
    "improve": improve,
    "sharpen": sharpen,
    "unsharp_mask": unsharp_mask,
    "blur": blur,
    "blur_region": blur_region,
    "blur_faces": blur_region,
    "pixelate": pixelate,
    "pixelate_region": pixelate_region,
    "pixelate_faces": pixelate_region,
    "vignette": vignette,
    "gradient_fade": gradient_fade,
    "noise": noise,
    "oil_paint": oil_paint,
    "cartoonify": cartoonify,
    "outline": outline,
    "shadow": shadow,
    "trim": trim,
    "make_transparent": make_transparent,
    "replace_color": replace_color,
    "ordered_dither": ordered_dither,
    "simulate_colorblind": simulate_colorblind,
    "overlay": _layer_only,
    "multiply": _layer_only,
    "screen": _layer_only,
    "mask": _layer_only,
    "anti_removal": _layer_only,
}


# Effects that measure the image (statistics, a corner pixel) read it more than once: they get
# a memory copy rather than the sequential decode pipeline.
_MEASURING = frozenset({"auto_brightness", "auto_contrast", "auto_color", "improve", "trim", "make_transparent",
                        "replace_color", "tint"})


def apply_filter(image: pyvips.Image, op: Filter) -> pyvips.Image:
    if op.effect.name in _MEASURING:
        image = image.copy_memory()
    out = _EFFECTS[op.effect.name](image, op)
    if out.format != "uchar":
        out = out.cast("uchar")
    return out.copy(interpretation="srgb") if out.interpretation != "srgb" else out


def effect_names() -> frozenset[str]:
    return frozenset(_EFFECTS)


# --- shape -----------------------------------------------------------------------------------

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
    frame = _solid(pyvips.Image.black(w, h), colour, 4)
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


# --- layers ------------------------------------------------------------------------------------

_BLEND_MODES = {"over": "over", "multiply": "multiply", "screen": "screen", "overlay": "overlay", "anti_removal": "over"}


def compose(base: pyvips.Image, layer: pyvips.Image, left: int, top: int, blend: str, opacity_percent: int,
            tiled: bool, underlay: bool) -> pyvips.Image:
    """Draw layer on (or under) base; the result has base's size."""
    layer = with_alpha(layer)
    if opacity_percent < 100:
        layer = opacity(layer, opacity_percent)
    if tiled:
        across, down = math.ceil(base.width / layer.width), math.ceil(base.height / layer.height)
        layer = layer.replicate(across, down).crop(0, 0, base.width, base.height)
        left = top = 0
    base_had_alpha = base.hasalpha()
    if blend in ("mask", "cutter"):
        placed = _placed_alpha(layer, base.width, base.height, left, top)
        rgb, alpha = split_alpha(with_alpha(base))
        return join_alpha(rgb, (alpha * placed / 255).cast("uchar"))
    if underlay:
        canvas = pyvips.Image.black(base.width, base.height, bands=4).copy(interpretation="srgb")
        canvas = canvas.composite2(layer, "over", x=left, y=top)
        out = canvas.composite2(with_alpha(base), "over")
        base_had_alpha = True
    else:
        out = base.composite2(layer, _BLEND_MODES[blend], x=left, y=top)
    out = out.cast("uchar").copy(interpretation="srgb")
    if not base_had_alpha and out.hasalpha():
        out = out.extract_band(0, n=out.bands - 1)
    return out


def _placed_alpha(layer: pyvips.Image, width: int, height: int, left: int, top: int) -> pyvips.Image:
    alpha = layer.extract_band(layer.bands - 1)
    return alpha.embed(left, top, width, height, extend="black")


def render_text(text: str, font: str, size: int, *, bold: bool, italic: bool, underline: bool, strikethrough: bool,
                align: str, letter_spacing: float, line_spacing: float, colour: Colour, background: Colour | None,
                max_pixels: int, wrap_width: int | None = None) -> pyvips.Image:
    """A text layer with Pango (libvips text): coloured glyphs on transparent (or the b_ colour)."""
    markup = html.escape(text, quote=False)
    if underline:
        markup = f"<u>{markup}</u>"
    if strikethrough:
        markup = f"<s>{markup}</s>"
    if letter_spacing:
        markup = f'<span letter_spacing="{round(letter_spacing * 1024)}">{markup}</span>'
    description = " ".join(part for part in (font, "Bold" if bold else "", "Italic" if italic else "") if part)
    align_name = {"center": "centre", "right": "high", "end": "high"}.get(align, "low")
    options: dict[str, object] = {"width": wrap_width} if wrap_width else {}
    mask = pyvips.Image.text(markup, font=f"{description} {size}", dpi=72, align=align_name,
                             spacing=round(line_spacing) if line_spacing else 0, **options)
    if mask.width * mask.height > max_pixels:
        raise SourceTooLarge("Text layer too large")
    glyphs = _solid(mask, colour).bandjoin((mask * (colour.alpha / 255)).cast("uchar")).copy(interpretation="srgb")
    if background is None:
        return glyphs
    return _solid(mask, background, 4).composite2(glyphs, "over").cast("uchar").copy(interpretation="srgb")
