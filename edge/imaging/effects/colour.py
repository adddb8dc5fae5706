"""Colour effects: grey, sepia, negative, brightness, contrast, saturation, hue, gamma, vibrance,
tint, colorize, channel levels, automatic levels and balance, colour replacement, colour-blindness.

Each takes an sRGB uchar image (3 bands, or 4 with alpha) and works on the colour bands only;
alpha is carried through. Levels follow Cloudinary's documented ranges (grammar/effects.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pyvips

from edge.grammar.effect_args import Colorblind, ModeLevel, ReplaceColor, Tint
from edge.grammar.values import Colour
from edge.imaging.effects.bands import BLACK, GREY, WHITE, blend, corner_colour, join_alpha, lch, level, luma, solid, split_alpha
from edge.imaging.ops import Filter


def grayscale(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    grey = luma(rgb)
    return join_alpha(grey.bandjoin([grey, grey]), alpha)


def blackwhite(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    threshold = level(op) * 2.55
    bw = (luma(rgb) > threshold).cast("uchar")
    return join_alpha(bw.bandjoin([bw, bw]), alpha)


# The classic sepia matrix applied to a grey pixel multiplies it by these (its row sums).
_SEPIA_TONE = (0.393 + 0.769 + 0.189, 0.349 + 0.686 + 0.168, 0.272 + 0.534 + 0.131)


def sepia(image: pyvips.Image, op: Filter) -> pyvips.Image:
    """Tone the luma, never the input's colours: a saturated blue becomes a dark warm brown too
    (the level sets how warm the tone is, 100 = the classic matrix on grey)."""
    rgb, alpha = split_alpha(image)
    warmth = level(op) / 100
    grey = luma(rgb)
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
    return join_alpha(rgb * (1 + level(op) / 100), alpha)


def contrast(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    factor = 1 + level(op) / 100
    return join_alpha(rgb.linear(factor, 128 * (1 - factor)), alpha)


def saturation(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    factor = 1 + level(op) / 100
    return join_alpha(lch(rgb, lambda lch: lch.linear([1, factor, 1], [0, 0, 0])), alpha)


def hue(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    degrees = level(op) * 1.8
    return join_alpha(lch(rgb, lambda lch: lch.linear([1, 1, 1], [0, 0, degrees])), alpha)


def gamma(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    exponent = 1 / (1 + level(op) / 100)
    return join_alpha(rgb.gamma(exponent=1 / exponent), alpha)


def vibrance(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    strength = level(op) / 100

    def boost(lch: pyvips.Image) -> pyvips.Image:
        chroma = lch[1]
        weight = 1 - chroma / 100
        weight = (weight > 0).ifthenelse(weight, 0) if strength > 0 else 1
        return lch[0].bandjoin([chroma * (1 + strength * weight), lch[2]]).copy(interpretation="lch")

    return join_alpha(lch(rgb, boost), alpha)


def tint(image: pyvips.Image, op: Filter) -> pyvips.Image:
    given = op.effect.args_as(Tint)
    equalize, amount, colours = given.equalize, given.amount, given.colours
    rgb, alpha = split_alpha(image)
    source = rgb.hist_equal() if equalize else rgb
    stops = [BLACK, colours[0], WHITE] if len(colours) == 1 else list(colours)
    lut = _lut_image(stops)
    tinted = luma(source).cast("uchar").maplut(lut)
    return join_alpha(blend(rgb, tinted, float(amount) / 100), alpha)


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
    tone = solid(pyvips.Image.black(1, 1), colour).colourspace("lab").getpoint(0, 0)
    coloured = lab[0].bandjoin([lab[0] * 0 + tone[1], lab[0] * 0 + tone[2]]).copy(interpretation="lab").colourspace("srgb")
    return join_alpha(blend(rgb, coloured, level(op) / 100), alpha)


def channel(index: int) -> Callable[[pyvips.Image, Filter], pyvips.Image]:
    def adjust(image: pyvips.Image, op: Filter) -> pyvips.Image:
        rgb, alpha = split_alpha(image)
        factors = [1.0, 1.0, 1.0]
        factors[index] = 1 + level(op) / 100
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
    return join_alpha(blend(rgb, stretched, level(op) / 100), alpha)


def _auto_contrast_rgb(rgb: pyvips.Image) -> pyvips.Image:
    return _stretch(rgb[0], 1, 99).bandjoin([_stretch(rgb[1], 1, 99), _stretch(rgb[2], 1, 99)])


def auto_contrast(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(blend(rgb, _auto_contrast_rgb(rgb), level(op) / 100), alpha)


def _grey_world(rgb: pyvips.Image) -> pyvips.Image:
    means = [max(1.0, rgb[i].avg()) for i in range(3)]
    overall = sum(means) / 3
    return rgb.linear([overall / m for m in means], [0, 0, 0])


def auto_color(image: pyvips.Image, op: Filter) -> pyvips.Image:
    rgb, alpha = split_alpha(image)
    return join_alpha(blend(rgb, _grey_world(rgb), level(op) / 100), alpha)


def improve(image: pyvips.Image, op: Filter) -> pyvips.Image:
    amount = op.effect.args_as(ModeLevel).level
    rgb, alpha = split_alpha(image)
    improved = _auto_contrast_rgb(_grey_world(rgb).cast("uchar"))
    return join_alpha(blend(rgb, improved, amount / 100), alpha)


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
    given = op.effect.args_as(ReplaceColor)
    target, tolerance, source = given.target, given.tolerance, given.source
    rgb, alpha = split_alpha(image)
    source = source or _prominent_colour(rgb)
    lab = rgb.colourspace("lab")
    source_lab = solid(pyvips.Image.black(1, 1), source).colourspace("lab").getpoint(0, 0)
    target_lab = solid(pyvips.Image.black(1, 1), target).colourspace("lab").getpoint(0, 0)
    delta = [target_lab[i] - source_lab[i] for i in range(3)]
    distance = lab.dE76(solid(rgb, source).colourspace("lab"))
    limit = max(1.0, float(tolerance) * 1.2)
    weight = (1 - distance / limit)
    weight = (weight > 0).ifthenelse(weight, 0)
    shifted = (lab + [d * 1 for d in delta]).copy(interpretation="lab")
    mixed = (lab * (1 - weight) + shifted * weight).copy(interpretation="lab").colourspace("srgb")
    return join_alpha(mixed, alpha)


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
    return join_alpha(rgb.recomb(_COLORBLIND[op.effect.args_as(Colorblind).condition]), alpha)
