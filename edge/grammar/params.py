"""The parameter table: Cloudinary short codes -> full names, parsers and docs.

This is the only module that knows `w`, `c`, `g`, ... Everywhere else uses the full names
of `Transformation`'s fields. Parsers raise `InvalidTransformation` with Cloudinary's
wording ("Invalid width - abc").
"""

from __future__ import annotations

import base64
import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.values import (
    AUTO_LEFT,
    AUTO_RIGHT,
    HFLIP,
    IGNORE,
    VFLIP,
    Angle,
    Border,
    Colour,
    CropMode,
    Dimension,
    Effect,
    Gravity,
    LayerSource,
    OutputFormat,
    Quality,
    Radius,
    TextStyle,
)

_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str  # the Transformation field it fills
    label: str  # how errors name it: "Invalid <label> - <value>"
    parse: Callable[[str], Any]
    doc: str


def _invalid(label: str, raw: str) -> InvalidTransformation:
    return InvalidTransformation(f"Invalid {label} - {raw}")


def _number(raw: str) -> float | None:
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _dimension(label: str, *, allow_negative: bool = False) -> Callable[[str], Dimension]:
    def parse(raw: str) -> Dimension:
        value = _number(raw)
        if value is None or (value < 0 and not allow_negative) or abs(value) > 1_000_000:
            raise _invalid(label, raw)
        # Cloudinary: a decimal up to 1 ("0.5", "1.0") is relative; an integer ("1") is pixels.
        if "." in raw and abs(value) <= 1:
            return Dimension(value, relative=True)
        if value == 0 and not allow_negative:
            raise _invalid(label, raw)
        return Dimension(round(value))

    return parse


def _enum(label: str, kind: type) -> Callable[[str], Any]:
    by_value = {member.value: member for member in kind}

    def parse(raw: str) -> Any:
        try:
            return by_value[raw]
        except KeyError:
            raise _invalid(label, raw) from None

    return parse


def _enum_values(label: str, values: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in values:
            raise _invalid(label, raw)
        return raw

    return parse


def _unsupported_or(parse: Callable[[str], Any], label: str, table: Callable[[], dict[str, str]]) -> Callable[[str], Any]:
    """A parser that names Cloudinary values this build does not offer, with the reason."""

    def run(raw: str) -> Any:
        reasons = table()
        key = next((k for k in reasons if raw == k or raw.startswith(k + ":")), None)
        if key is not None:
            raise InvalidTransformation(f"Unsupported {label} - {raw} ({reasons[key]})")
        return parse(raw)

    return run


UNSUPPORTED_GRAVITIES = {
    "auto:subject": "needs an object detection model that is not shipped",
    "auto:classic": "Cloudinary's classic saliency algorithm; use g_auto (libvips attention)",
    "xy_center": "not offered",
    "custom": "custom coordinates come from the upload API",
    "ocr_text": "needs an OCR model",
    "adv_face": "third-party add-on (plain g_face works)",
    "adv_faces": "third-party add-on (plain g_faces works)",
    "adv_eyes": "third-party add-on",
    "face:auto": "use g_auto:face",
    "body": "needs a body detection model",
    "liquid": "content-aware (seam carving) resizing is not offered",
}
UNSUPPORTED_CROPS = {
    "imagga_crop": "third-party add-on",
    "imagga_scale": "third-party add-on",
}


def _aspect_ratio(raw: str) -> float:
    left, sep, right = raw.partition(":")
    numerator, denominator = _number(left), (_number(right) if sep else 1.0)
    if numerator is None or denominator is None or numerator <= 0 or denominator <= 0:
        raise _invalid("aspect ratio", raw)
    ratio = numerator / denominator
    if not 1e-3 <= ratio <= 1e3:
        raise _invalid("aspect ratio", raw)
    return ratio


def _dpr(raw: str) -> float:
    value = _number(raw)
    if value is None or not 0 < value <= 8:
        raise _invalid("dpr", raw)
    return value


QUALITY_AUTO_LEVELS = ("best", "good", "eco", "low")


def _quality(raw: str) -> Quality:
    if raw == "auto":
        return Quality(auto_level="good")
    if raw.startswith("auto:") and raw[5:] in QUALITY_AUTO_LEVELS:
        return Quality(auto_level=raw[5:])
    if raw.isdigit() and 1 <= int(raw) <= 100:
        return Quality(value=int(raw))
    raise _invalid("quality", raw)


FORMAT_NAMES = {
    "jpg": OutputFormat.JPEG,
    "jpeg": OutputFormat.JPEG,
    "jpe": OutputFormat.JPEG,
    "png": OutputFormat.PNG,
    "webp": OutputFormat.WEBP,
    "avif": OutputFormat.AVIF,
    "gif": OutputFormat.GIF,
}
AUTO_FORMAT = "auto"


def _format(raw: str) -> OutputFormat | str:
    if raw == AUTO_FORMAT:
        return AUTO_FORMAT
    try:
        return FORMAT_NAMES[raw]
    except KeyError:
        raise _invalid("format", raw) from None


def _angle(raw: str) -> Angle:
    steps: list[float | str] = []
    for part in raw.split("."):
        if part in (HFLIP, VFLIP, AUTO_RIGHT, AUTO_LEFT, IGNORE):
            steps.append(part)
            continue
        value = _number(part)
        if value is None or abs(value) > 3600:
            raise _invalid("angle", raw)
        steps.append(value)
    return tuple(steps)


COLOUR_NAMES = {
    "black": "000000", "white": "ffffff", "red": "ff0000", "green": "008000", "blue": "0000ff",
    "yellow": "ffff00", "cyan": "00ffff", "aqua": "00ffff", "magenta": "ff00ff", "fuchsia": "ff00ff",
    "gray": "808080", "grey": "808080", "silver": "c0c0c0", "maroon": "800000", "olive": "808000",
    "lime": "00ff00", "teal": "008080", "navy": "000080", "purple": "800080", "orange": "ffa500",
    "pink": "ffc0cb", "brown": "a52a2a", "gold": "ffd700", "beige": "f5f5dc", "ivory": "fffff0",
    "khaki": "f0e68c", "lavender": "e6e6fa", "coral": "ff7f50", "salmon": "fa8072", "tomato": "ff6347",
    "crimson": "dc143c", "indigo": "4b0082", "violet": "ee82ee", "turquoise": "40e0d0", "tan": "d2b48c",
    "chocolate": "d2691e", "lightgray": "d3d3d3", "lightgrey": "d3d3d3", "darkgray": "a9a9a9",
    "darkgrey": "a9a9a9", "lightblue": "add8e6", "darkblue": "00008b", "skyblue": "87ceeb",
    "lightgreen": "90ee90", "darkgreen": "006400", "darkred": "8b0000", "whitesmoke": "f5f5f5",
    "snow": "fffafa", "transparent": "ffffff00",
}
_HEX = re.compile(r"[0-9a-fA-F]+")


def _colour(raw: str) -> Colour:
    text = raw.lower()
    if text.startswith("rgb:"):
        digits = text[4:]
    elif text.startswith("#"):
        digits = text[1:]
    else:
        digits = COLOUR_NAMES.get(text, "")
    if len(digits) in (3, 4):  # short form: each digit doubled
        digits = "".join(d * 2 for d in digits)
    if len(digits) not in (6, 8) or not _HEX.fullmatch(digits):
        raise _invalid("color", raw)
    channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    return Colour(*channels)



def _background(raw: str) -> Colour | str:
    """A colour, or `auto[:border|predominant|border_contrast|predominant_contrast]` for padding."""
    if raw == "auto" or raw.startswith("auto:"):
        mode = raw.partition(":")[2] or "border"
        if mode not in BACKGROUND_AUTO_MODES:
            raise _invalid("background", raw)
        return f"auto:{mode}"
    return _colour(raw)


BACKGROUND_AUTO_MODES = ("border", "predominant", "border_contrast", "predominant_contrast")


# Flags this build knows, with the values each may carry after ':' (None: any text).
FLAGS: dict[str, tuple[str, ...] | None] = {
    "progressive": ("", "semi", "steep", "none"),
    "layer_apply": ("",),
    "relative": ("",),
    "region_relative": ("",),
    "tiled": ("",),
    "cutter": ("",),
    "no_overflow": ("",),
    "text_no_trim": ("",),
    "text_disallow_overflow": ("",),
    "animated": ("",),
    "awebp": ("",),
    "png8": ("",),
    "png24": ("",),
    "png32": ("",),
    "lossy": ("",),
    "strip_profile": ("",),
    "keep_iptc": ("",),
    "keep_attribution": ("",),
    "force_strip": ("",),
    "force_icc": ("",),
    "preserve_transparency": ("",),
    "ignore_aspect_ratio": ("",),
    "attachment": None,
    "immutable_cache": ("",),
    "getinfo": ("",),
    "any_format": ("",),
    "rasterize": ("",),
    "sanitize": ("",),
}

# Cloudinary image flags this build does not implement, and why (answered with a 400).
UNSUPPORTED_FLAGS: dict[str, str] = {
    "apng": "libvips cannot write animated PNG",
    "clip": "clipping paths (8BIM) are not read",
    "clip_evenodd": "clipping paths (8BIM) are not read",
    "ignore_mask_channels": "PSD mask channels are not read",
    "mono": "audio flag; images have no sound",
    "replace_image": "needs the layer swap of the video pipeline",
    "splice": "video concatenation",
    "streaming_attachment": "video streaming",
    "tiff8_lzw": "TIFF output is not offered",
    "waveform": "audio waveforms",
    "group4": "TIFF Group 4 output is not offered",
    "c2pa": "content credentials are not signed here",
    "draco": "3D models",
    "keep_dar": "video display aspect ratio",
    "truncate_ts": "video streaming",
    "hlsv3": "video streaming",
    "no_stream": "video streaming",
    "alternate": "audio tracks",
}


_ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9_\-. ]{0,128}")


def _flags(raw: str) -> frozenset[str]:
    flags = set()
    for part in raw.split("."):
        name, _, value = part.partition(":")
        if name in UNSUPPORTED_FLAGS:
            raise InvalidTransformation(f"Unsupported flag - {name} ({UNSUPPORTED_FLAGS[name]})")
        allowed = FLAGS.get(name, ())
        if name not in FLAGS or (allowed is not None and value not in allowed):
            raise _invalid("flag", part)
        if allowed is None and not _ATTACHMENT_NAME.fullmatch(value):  # it becomes a header value
            raise _invalid("attachment name", value)
        flags.add(part)
    return frozenset(flags)


# --- effects -------------------------------------------------------------------------------------
# Each argument: ("level", low, high, default) | ("choice", options, default) | ("colour", default)
# | ("free", default). Ranges and defaults are Cloudinary's documented ones (transformation_reference).
ArgSpec = tuple[Any, ...]


def _level(low: float, high: float, default: float) -> ArgSpec:
    return ("level", low, high, default)


@dataclass(frozen=True, slots=True)
class EffectSpec:
    args: tuple[ArgSpec, ...]
    doc: str
    partial: str = ""  # how it differs from Cloudinary, for the support table


_COLORBLIND = ("deuteranopia", "protanopia", "tritanopia", "tritanomaly", "deuteranomaly", "cone_monochromacy", "rod_monochromacy")

EFFECTS: dict[str, EffectSpec] = {
    "grayscale": EffectSpec((), "Grey levels."),
    "blackwhite": EffectSpec((_level(0, 100, 50),), "Black and white by a threshold (0-100, default 50)."),
    "sepia": EffectSpec((_level(1, 100, 80),), "Sepia tone (1-100, default 80)."),
    "negate": EffectSpec((), "Negative image."),
    "brightness": EffectSpec((_level(-99, 100, 80),), "Brightness (-99..100, default 80)."),
    "contrast": EffectSpec((_level(-100, 100, 0),), "Contrast (-100..100, default 0)."),
    "saturation": EffectSpec((_level(-100, 100, 80),), "Colour saturation (-100..100, default 80)."),
    "hue": EffectSpec((_level(-100, 100, 80),), "Hue rotation (-100..100 = -180..180 degrees, default 80)."),
    "gamma": EffectSpec((_level(-50, 150, 0),), "Gamma (-50..150, default 0)."),
    "vibrance": EffectSpec((_level(-100, 100, 20),), "Saturation weighted towards the less saturated colours (-100..100, default 20)."),
    "tint": EffectSpec((("free", ""),), "Blend with colours: [equalize:]amount(0-100, 60):colour[:pos]...", "gradient positions are spread evenly; the given positions are ignored"),
    "colorize": EffectSpec((_level(0, 100, 100),), "Blend with the co_ colour (0-100, default 100; colour default grey).",
                           "keeps each pixel's lightness (hue and chroma from the colour)"),
    "red": EffectSpec((_level(-100, 100, 0),), "Red channel level (-100..100)."),
    "green": EffectSpec((_level(-100, 100, 0),), "Green channel level (-100..100)."),
    "blue": EffectSpec((_level(-100, 100, 0),), "Blue channel level (-100..100)."),
    "auto_brightness": EffectSpec((_level(0, 100, 100),), "Stretch the lightness to the full range, blended (0-100, default 100)."),
    "auto_contrast": EffectSpec((_level(0, 100, 100),), "Stretch each channel's 1%-99% range, blended (0-100, default 100).", "percentile stretch, not Cloudinary's exact curve"),
    "auto_color": EffectSpec((_level(0, 100, 100),), "Grey-world colour balance, blended (0-100, default 100).", "grey-world balance"),
    "improve": EffectSpec((("free", ""),), "[indoor|outdoor:]blend(0-100, default 100): auto colour + contrast.", "auto colour then auto contrast; indoor/outdoor accepted, same result"),
    "sharpen": EffectSpec((_level(1, 2000, 100),), "Sharpen (1-2000, default 100)."),
    "unsharp_mask": EffectSpec((_level(1, 2000, 100),), "Unsharp mask (1-2000, default 100)."),
    "blur": EffectSpec((_level(1, 2000, 100),), "Gaussian blur (1-2000, default 100)."),
    "blur_region": EffectSpec((_level(1, 2000, 100),), "Blur the x,y,w,h region (whole image without one)."),
    "blur_faces": EffectSpec((_level(1, 2000, 500),), "Blur the detected faces (1-2000, default 500)."),
    "pixelate": EffectSpec((_level(1, 200, 5),), "Pixelate with squares of N px (1-200, default 5)."),
    "pixelate_region": EffectSpec((_level(1, 200, 5),), "Pixelate the x,y,w,h region (squares 1-200, default 5)."),
    "pixelate_faces": EffectSpec((_level(1, 200, 5),), "Pixelate the detected faces (squares 1-200, default 5)."),
    "vignette": EffectSpec((_level(0, 100, 20),), "Darken the edges (0-100, default 20)."),
    "gradient_fade": EffectSpec((("free", ""),), "[symmetric|symmetric_pad:]strength(0-100, 20): fade to transparent (x/y: direction).", "x_/y_ choose the direction only by sign"),
    "noise": EffectSpec((_level(0, 100, 0),), "Add noise (0-100)."),
    "oil_paint": EffectSpec((_level(0, 100, 30),), "Oil painting (0-100, default 30).", "median-filter approximation"),
    "cartoonify": EffectSpec((_level(0, 100, 50), ("free", "50")), "Cartoon: line strength (0-100, 50), colour reduction (0-100 or bw, 50)."),
    "outline": EffectSpec((("free", ""),), "Outline of the alpha shape: [inner|outer|inner_fill|fill:]width(1-100, 5):blur(0-2000, 0); co_ colour."),
    "shadow": EffectSpec((_level(0, 100, 40),), "Drop shadow (0-100, default 40); co_ colour, x_/y_ offset.", "shadow of the image's alpha shape, fixed softness"),
    "trim": EffectSpec((_level(0, 100, 10), ("colour", None)), "Trim the border colour (tolerance 0-100, default 10; colour default the top-left pixel)."),
    "make_transparent": EffectSpec((_level(0, 100, 10),), "Make the co_ colour (default: the top-left pixel) transparent within a tolerance."),
    "replace_color": EffectSpec((("colour", None), _level(0, 100, 50), ("colour", None)), "replace_color:to[:tolerance(50)][:from]", "without a from colour, the most common saturated colour is replaced"),
    "ordered_dither": EffectSpec((_level(0, 18, 0),), "Ordered dither (0-18).", "one Bayer threshold map per level range"),
    "simulate_colorblind": EffectSpec((("choice", _COLORBLIND, "deuteranopia"),), "Simulate colour blindness."),
    # Blend modes of a layer, given in its fl_layer_apply component.
    "overlay": EffectSpec((), "Layer blend mode: overlay."),
    "multiply": EffectSpec((), "Layer blend mode: multiply."),
    "screen": EffectSpec((), "Layer blend mode: screen."),
    "mask": EffectSpec((), "Layer as a mask: keep the base where the layer is opaque."),
    "anti_removal": EffectSpec((_level(0, 100, 50),), "Layer blend mode that distorts the overlay slightly.", "drawn as a plain overlay"),
}

# Cloudinary image effects this build does not implement, and why (answered with a 400).
UNSUPPORTED_EFFECTS: dict[str, str] = {
    "background_removal": "needs a segmentation model that is not shipped",
    "bgremoval": "needs a segmentation model that is not shipped",
    "gen_remove": "generative AI",
    "gen_replace": "generative AI",
    "gen_fill": "generative AI",
    "gen_recolor": "generative AI",
    "gen_restore": "generative AI",
    "gen_background_replace": "generative AI",
    "upscale": "needs a super-resolution model that is not shipped",
    "enhance": "needs an enhancement model that is not shipped",
    "art": "Cloudinary's named filters are proprietary",
    "style_transfer": "needs a neural style model",
    "vectorize": "vector tracing is not offered",
    "extract": "needs a segmentation model that is not shipped",
    "dropshadow": "needs a segmentation model (use e_shadow)",
    "adv_redeye": "needs an eye detector",
    "redeye": "needs an eye detector",
    "fill_light": "HDR tone-mapping is not offered",
    "light": "needs a relighting model",
    "viesus_correct": "third-party add-on",
    "distort": "perspective distortion is not offered",
    "shear": "not offered",
    "displace": "not offered",
    "theme": "needs a segmentation model",
    "assist_colorblind": "not offered",
    "preview": "video effect",
    "loop": "video effect",
    "boomerang": "video effect",
    "accelerate": "video effect",
    "deshake": "video effect",
    "fade": "video effect",
    "reverse": "video effect",
    "volume": "audio effect",
    "transition": "video effect",
    "zoompan": "video effect",
    "morphology": "not offered",
    "anti_removal_dither": "not offered",
}


def _effect_tokens(raw: str) -> list[str]:
    """Split on ':' and glue `rgb:RRGGBB` colour arguments back together."""
    parts = raw.split(":")
    tokens: list[str] = []
    for part in parts:
        if tokens and tokens[-1] == "rgb" and _HEX.fullmatch(part):
            tokens[-1] = f"rgb:{part}"
        else:
            tokens.append(part)
    return tokens


def _effect_colour(raw: str) -> Colour:
    if _HEX.fullmatch(raw) and len(raw) in (3, 6) and raw.lower() not in COLOUR_NAMES:
        return _colour("rgb:" + raw)
    return _colour(raw)


def _effect(raw: str) -> Effect:
    name, *args = _effect_tokens(raw)
    if name in UNSUPPORTED_EFFECTS:
        raise InvalidTransformation(f"Unsupported effect - {name} ({UNSUPPORTED_EFFECTS[name]})")
    spec = EFFECTS.get(name)
    if spec is None:
        raise _invalid("effect", name)
    if name in _FREE_FORM:
        return Effect(name, _FREE_FORM[name](raw, args))
    if len(args) > len(spec.args):
        raise _invalid(f"{name} parameters", raw)
    values: list[float | str] = []
    for index, arg_spec in enumerate(spec.args):
        given = args[index] if index < len(args) and args[index] != "" else None
        values.append(_effect_arg(name, raw, arg_spec, given))
    return Effect(name, tuple(values))


def _effect_arg(name: str, raw: str, spec: ArgSpec, given: str | None) -> Any:
    kind = spec[0]
    if kind == "level":
        if given is None:
            return float(spec[3])
        value = _number(given)
        if value is None or not spec[1] <= value <= spec[2]:
            raise _invalid(f"{name} level", given)
        return value
    if kind == "choice":
        if given is None:
            return spec[2]
        if given not in spec[1]:
            raise _invalid(f"{name} mode", given)
        return given
    if kind == "colour":
        return _effect_colour(given) if given is not None else None
    return given if given is not None else spec[1]


def _tint(raw: str, args: list[str]) -> tuple[Any, ...]:
    equalize = bool(args) and args[0] == "equalize"
    args = args[1:] if equalize else args
    amount = 60.0
    if args and _number(args[0]) is not None:
        amount = _number(args[0]) or 0.0
        if not 0 <= amount <= 100:
            raise _invalid("tint amount", args[0])
        args = args[1:]
    colours = [_effect_colour(a) for a in args if not a.endswith("p")]  # `red:20p` positions are skipped
    if len(colours) > 8:
        raise _invalid("tint parameters", raw)
    return (equalize, amount, *(colours or [Colour(255, 0, 0)]))


def _mode_and_level(
    name: str, default: str, modes: tuple[str, ...], level: ArgSpec
) -> Callable[[str, list[str]], tuple[Any, ...]]:
    """`[<mode>:]<level>`: an optional leading mode (one of `modes`, else `default`), then one level."""

    def parse(raw: str, args: list[str]) -> tuple[Any, ...]:
        mode = default
        if args and args[0] in modes:
            mode, args = args[0], args[1:]
        value = _effect_arg(name, raw, level, args[0] if args else None)
        if len(args) > 1:
            raise _invalid(f"{name} parameters", raw)
        return (mode, value)

    return parse


_improve = _mode_and_level("improve", "outdoor", ("indoor", "outdoor"), _level(0, 100, 100))
_gradient_fade = _mode_and_level("gradient_fade", "linear", ("symmetric", "symmetric_pad"), _level(0, 100, 20))


def _outline(raw: str, args: list[str]) -> tuple[Any, ...]:
    mode = "both"  # Cloudinary's default: inner and outer
    if args and args[0] in ("inner", "outer", "inner_fill", "fill"):
        mode, args = args[0], args[1:]
    width = _effect_arg("outline", raw, _level(1, 100, 5), args[0] if args else None)
    blur = _effect_arg("outline", raw, _level(0, 2000, 0), args[1] if len(args) > 1 else None)
    if len(args) > 2:
        raise _invalid("outline parameters", raw)
    return (mode, width, blur)


def _cartoonify(raw: str, args: list[str]) -> tuple[Any, ...]:
    line = _effect_arg("cartoonify", raw, _level(0, 100, 50), args[0] if args else None)
    second = args[1] if len(args) > 1 else None
    reduction: float | str = "bw" if second == "bw" else _effect_arg("cartoonify", raw, _level(0, 100, 50), second)
    if len(args) > 2:
        raise _invalid("cartoonify parameters", raw)
    return (line, reduction)


def _replace_color(raw: str, args: list[str]) -> tuple[Any, ...]:
    if not args or not args[0]:
        raise _invalid("replace_color parameters", raw)
    target = _effect_colour(args[0])
    tolerance = _effect_arg("replace_color", raw, _level(0, 100, 50), args[1] if len(args) > 1 else None)
    source = _effect_colour(args[2]) if len(args) > 2 else None
    if len(args) > 3:
        raise _invalid("replace_color parameters", raw)
    return (target, tolerance, source)


_FREE_FORM = {
    "tint": _tint,
    "improve": _improve,
    "gradient_fade": _gradient_fade,
    "outline": _outline,
    "cartoonify": _cartoonify,
    "replace_color": _replace_color,
}


# --- shape, layers, pages, named transformations -------------------------------------------------

def _radius(raw: str) -> Radius:
    if raw == "max":
        return Radius(max=True)
    values = [_number(part) for part in raw.split(":")]
    if not 1 <= len(values) <= 4 or any(v is None or v < 0 or v > 100_000 for v in values):
        raise _invalid("radius", raw)
    a, b, c, d = {1: lambda v: v * 4, 2: lambda v: [v[0], v[1], v[0], v[1]],
                  3: lambda v: [v[0], v[1], v[2], v[1]], 4: lambda v: v}[len(values)](values)
    return Radius((a, b, c, d))  # type: ignore[arg-type]


_BORDER = re.compile(r"(\d{1,4})px_solid_(.+)")


def _border(raw: str) -> Border:
    match = _BORDER.fullmatch(raw)
    if not match:
        raise _invalid("border", raw)
    return Border(int(match.group(1)), _colour(match.group(2)))


def _opacity(raw: str) -> int:
    value = _number(raw)
    if value is None or not 0 <= value <= 100:
        raise _invalid("opacity", raw)
    return round(value)


def _zoom(raw: str) -> float:
    value = _number(raw)
    if value is None or not 0 < value <= 100:
        raise _invalid("zoom", raw)
    return value


COLOUR_SPACES = ("srgb", "tinysrgb", "no_cmyk", "keep_cmyk", "copy")


def _page(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise _invalid("page", raw)
    return int(raw)


_NAME = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def _named(raw: str) -> tuple[str, ...]:
    names = tuple(raw.split("."))
    if not all(_NAME.fullmatch(n) for n in names) or len(names) > 8:
        raise _invalid("named transformation", raw)
    return names


_FONT_STYLES = {"bold", "italic", "underline", "strikethrough", "normal", "light", "semibold", "thin", "black",
                "left", "right", "center", "justify", "start", "end"}
_SPACING = re.compile(r"(letter|line)_spacing_(-?\d+(?:\.\d+)?)")
_PUBLIC_ID_PART = re.compile(r"[A-Za-z0-9_\-.@ ]{1,255}")
TEXT_MAX_CHARS = 1000


def _layer(raw: str) -> LayerSource:
    kind, sep, rest = raw.partition(":")
    if kind == "text" and sep:
        return _text_layer(rest, raw)
    if kind == "fetch" and sep:
        return _fetch_layer(rest, raw)
    if kind in ("fetch", "video", "audio", "subtitles", "lut"):
        raise InvalidTransformation(f"Unsupported layer type - {kind}")
    parts = raw.split(":")
    if not all(_PUBLIC_ID_PART.fullmatch(p) and p not in (".", "..") for p in parts):
        raise _invalid("layer", raw)
    return LayerSource(public_id="/".join(parts))


FETCH_LAYER_PREFIX = "fetch:"  # a public_id never holds ':' (it is the layer's folder separator)


def _fetch_layer(encoded: str, raw: str) -> LayerSource:
    """`l_fetch:<base64url of the URL>` (the SDK's spelling; padding optional) -> public_id `fetch:<URL>`."""
    try:
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise _invalid("fetch layer", raw) from None
    url = urllib.parse.unquote(url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in "\0\r\n "):
        raise _invalid("fetch layer", raw)
    return LayerSource(public_id=FETCH_LAYER_PREFIX + url)


def _text_layer(rest: str, raw: str) -> LayerSource:
    style_text, sep, text = rest.partition(":")
    if not sep or not text:
        raise _invalid("text layer", raw)
    tokens = style_text.split("_")
    font_parts: list[str] = []
    while tokens and not tokens[0].isdigit():
        font_parts.append(tokens.pop(0))
    if not tokens or not font_parts:
        raise _invalid("text style", style_text)
    size = int(tokens.pop(0))
    if not 1 <= size <= 1000:
        raise _invalid("font size", str(size))
    options: dict[str, Any] = {}
    remaining = "_".join(tokens)
    for match in _SPACING.finditer(remaining):
        options[f"{match.group(1)}_spacing"] = float(match.group(2))
    remaining = _SPACING.sub("", remaining)
    for token in filter(None, remaining.split("_")):
        if token not in _FONT_STYLES:
            raise _invalid("text style", token)
        if token in ("bold", "italic", "underline", "strikethrough"):
            options[token] = True
        elif token in ("left", "right", "center", "justify", "start", "end"):
            options["align"] = token
    decoded = urllib.parse.unquote(text)
    if len(decoded) > TEXT_MAX_CHARS:
        raise _invalid("text layer", "text too long")
    return LayerSource(text=decoded, style=TextStyle(" ".join(font_parts).replace("%20", " "), size, **options))


# --- the table -----------------------------------------------------------------------------------

PARAMS: dict[str, ParamSpec] = {
    "w": ParamSpec("width", "width", _dimension("width"), "Width in px; a decimal up to 1.0 is relative to the input."),
    "h": ParamSpec("height", "height", _dimension("height"), "Height in px; a decimal up to 1.0 is relative to the input."),
    "c": ParamSpec("crop", "crop", _unsupported_or(_enum("crop", CropMode), "crop", lambda: UNSUPPORTED_CROPS), "Crop/resize mode: " + " ".join(m.value for m in CropMode)),
    "g": ParamSpec("gravity", "gravity", _unsupported_or(_enum("gravity", Gravity), "gravity", lambda: UNSUPPORTED_GRAVITIES), "Which part to keep: compass points, center, auto, face(s)[:center], auto:face(s)."),
    "x": ParamSpec("x", "x", _dimension("x", allow_negative=True), "Horizontal offset (px or relative): c_crop, layers, regions."),
    "y": ParamSpec("y", "y", _dimension("y", allow_negative=True), "Vertical offset (px or relative): c_crop, layers, regions."),
    "ar": ParamSpec("aspect_ratio", "aspect ratio", _aspect_ratio, "Aspect ratio, 16:9 or a decimal."),
    "dpr": ParamSpec("dpr", "dpr", _dpr, "Device pixel ratio: multiplies the dimensions (0 < dpr <= 8)."),
    "q": ParamSpec("quality", "quality", _quality, "Quality 1-100, auto, or auto:best|good|eco|low."),
    "f": ParamSpec("format", "format", _format, "Output format: jpg png webp avif gif auto."),
    "a": ParamSpec("angle", "angle", _angle, "Rotation in degrees, hflip, vflip, auto_right, auto_left, ignore; several joined with '.'."),
    "b": ParamSpec("background", "color", _background, "Background colour (name, rgb:RRGGBB[AA]) or auto[:border|predominant] for the pad modes."),
    "fl": ParamSpec("flags", "flag", _flags, "Flags, joined with '.': see the support table."),
    "e": ParamSpec("effect", "effect", _effect, "Effect with its parameters: e_<name>[:<arg>...]."),
    "r": ParamSpec("radius", "radius", _radius, "Rounded corners: px, 1-4 values a:b:c:d, or max (ellipse)."),
    "bo": ParamSpec("border", "border", _border, "Border <width>px_solid_<colour>."),
    "co": ParamSpec("colour", "color", _colour, "Colour for effects, text layers, outlines and shadows."),
    "o": ParamSpec("opacity", "opacity", _opacity, "Opacity 0-100."),
    "z": ParamSpec("zoom", "zoom", _zoom, "Zoom for c_crop/c_thumb with a gravity (face or compass)."),
    "cs": ParamSpec("colour_space", "color space", _enum_values("color space", COLOUR_SPACES), "Colour space: srgb tinysrgb no_cmyk keep_cmyk copy (all delivered as sRGB)."),
    "l": ParamSpec("overlay", "overlay", _layer, "Overlay: public_id (folders as ':') or text:<font>_<size>[_style...]:<text>."),
    "u": ParamSpec("underlay", "underlay", _layer, "Underlay: public_id (folders as ':')."),
    "t": ParamSpec("named", "named transformation", _named, "Named transformation(s), from the Admin API or the config, joined with '.'."),
    "pg": ParamSpec("page", "page", _page, "Page (frame) number of a multi-page or animated image, from 1."),
}


# --- conditions, variables and arithmetic (if_, $var, w_$x_mul_2) ----------------------------

# Predefined variables, by short name -> full name; the plan supplies their values.
PREDEFINED_VARIABLES = {
    "w": "width", "h": "height", "ar": "aspect_ratio", "iw": "initial_width", "ih": "initial_height",
    "iar": "initial_aspect_ratio", "pc": "page_count", "fc": "face_count", "cp": "current_page",
    "tags": "tags", "ctx": "context",
}
COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "lte": "<=", "gte": ">=", "in": "in", "nin": "not in"}
ARITHMETIC = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "pow": "^"}
# Parameters whose value may be an expression ($var, iw_div_2, ...), evaluated by the plan.
EXPRESSION_CODES = ("w", "h", "x", "y", "ar", "o", "r", "a", "z", "dpr")
_VARIABLE = re.compile(r"\$[a-zA-Z][a-zA-Z0-9]{0,30}")
_STRING = re.compile(r"!([^!]*)!")
_CTX = re.compile(r"ctx:!([^!]+)!")


def is_variable_key(code: str) -> bool:
    return bool(_VARIABLE.fullmatch(code))


def _operand(token: str, raw: str) -> tuple[str, Any]:
    """('number', 1.5) | ('variable', '$x') | ('predefined', 'width') | ('string', 's') | ('context', 'key')."""
    if _VARIABLE.fullmatch(token):
        return ("variable", token)
    if token in PREDEFINED_VARIABLES:
        return ("predefined", PREDEFINED_VARIABLES[token])
    if (match := _STRING.fullmatch(token)) is not None:
        return ("string", match.group(1))
    if (match := _CTX.fullmatch(token)) is not None:
        return ("context", match.group(1))
    if ":" in token and all(_number(p) is not None for p in token.split(":")) and token.count(":") == 1:
        return ("number", _aspect_ratio(token))
    value = _number(token)
    if value is None:
        raise _invalid("expression", raw)
    return ("number", value)


def parse_expression(raw: str) -> tuple[Any, ...]:
    """`iw_div_2_add_$pad` -> (operand, op, operand, ...) with operators by full symbol."""
    tokens = _expression_tokens(raw)
    if len(tokens) % 2 == 0:
        raise _invalid("expression", raw)
    out: list[Any] = []
    for index, token in enumerate(tokens):
        if index % 2:
            if token not in ARITHMETIC:
                raise _invalid("expression operator", token)
            out.append(ARITHMETIC[token])
        else:
            out.append(_operand(token, raw))
    return tuple(out)


def _expression_tokens(raw: str) -> list[str]:
    """Split on '_' but keep `!strings with_underscores!` and `ctx:!key!` whole."""
    tokens: list[str] = []
    current = ""
    in_string = False
    for char in raw:
        if char == "!":
            in_string = not in_string
        if char == "_" and not in_string:
            tokens.append(current)
            current = ""
        else:
            current += char
    tokens.append(current)
    return tokens


def looks_like_expression(raw: str) -> bool:
    tokens = _expression_tokens(raw)
    return "$" in raw or tokens[0] in PREDEFINED_VARIABLES or (len(tokens) >= 3 and tokens[1] in ARITHMETIC)


def _condition(raw: str) -> tuple[Any, ...]:
    """`else`, `end`, or `<operand>_<cmp>_<operand>[_and|_or_...]`: ('if', ((left, cmp, right), 'and', ...))."""
    if raw in ("else", "end"):
        return (raw,)
    tokens = _expression_tokens(raw)
    clauses: list[Any] = []
    current: list[str] = []
    for token in [*tokens, "or"]:
        if token in ("and", "or"):
            if len(current) != 3 or current[1] not in COMPARISONS:
                raise _invalid("condition", raw)
            left, cmp, right = current
            clauses.append((_operand(left, raw), COMPARISONS[cmp], _operand(right, raw)))
            clauses.append(token)
            current = []
        else:
            current.append(token)
    if len(clauses) > 32:
        raise _invalid("condition", raw)
    return ("if", tuple(clauses[:-1]))


def variable_value(raw: str) -> tuple[Any, ...]:
    """`$name_<value>`: a number, a !string!, or an expression."""
    if (match := _STRING.fullmatch(raw)) is not None:
        return (("string", match.group(1)),)
    return parse_expression(raw)


PARAMS["if"] = ParamSpec("condition", "condition", _condition, "Condition: if_<expr> ... [if_else ...] if_end; w h ar iw ih iar pc fc tags ctx.")


def _default_image(raw: str) -> str:
    parts = raw.split(":")
    if not all(_PUBLIC_ID_PART.fullmatch(p) and p not in (".", "..") for p in parts):
        raise _invalid("default image", raw)
    return "/".join(parts)


def _density(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 600:
        raise _invalid("density", raw)
    return int(raw)


PARAMS["d"] = ParamSpec("default_image", "default image", _default_image, "Public_id (folders as ':') served when the asset is missing.")
def _delay(raw: str) -> int:
    if not raw.isdigit() or not 0 <= int(raw) <= 65_535:
        raise _invalid("delay", raw)
    return int(raw)


PARAMS["dl"] = ParamSpec("delay", "delay", _delay, "Milliseconds between the frames of an animated result.")
PARAMS["dn"] = ParamSpec("density", "density", _density, "DPI for rasterising SVG (1-600; default 72).")

# Where this build differs from Cloudinary for a supported parameter (for the support table).
PARTIAL_PARAMS: dict[str, str] = {
    "g": "face gravities use OpenCV's Haar cascade (frontal faces); g_auto uses libvips attention, not Cloudinary's AI; "
         "object gravities (g_auto:<object>, g_<object>) are not offered",
    "l": "video/subtitles layers are not offered (l_fetch: goes through the fetch allow-list and guard); text uses the fonts the machine has (fontconfig names, Pango), no custom font files; "
         "w_ with c_fit wraps text",
    "u": "as l",
    "cs": "every value delivers sRGB (no CMYK output)",
    "f": "output: jpg png webp avif gif (no tiff, bmp, heic, jxl, pdf, svg output)",
    "if": "only the image characteristics listed here; tags and ctx come from the catalog (assets uploaded "
          "through the API; files dropped into storage have none)",
    "dn": "accepted; SVG is rasterised at its own size",
    "q": "q_auto maps to fixed levels per format (no content analysis)",
    "t": "named transformations come from the Admin API (per cloud) and the config file (EDGE_TRANSFORMATIONS_NAMED)",
    "z": "applies with face gravities (c_thumb, c_crop); ignored with compass gravities",
    "pg": "single pages only (no ranges); animated GIF/WebP and multi-page TIFF",
}

# Cloudinary image parameters this build does not implement, and why (answered with a 400).
UNSUPPORTED_PARAMS: dict[str, str] = {
    "fn": "custom JavaScript or WebAssembly functions are not run here",
    "so": "video parameter", "eo": "video parameter", "du": "video parameter", "vc": "video parameter",
    "ac": "audio parameter", "af": "audio parameter", "br": "video parameter", "fps": "video parameter",
    "sp": "video parameter", "ki": "video parameter", "vs": "video parameter",
    "bl": "baseline transformations reuse Cloudinary's stored derivatives",
    "p": "sprite and CSS prefixes (the sprite API) are not offered",
}


def code_for(field_name: str) -> str:
    """The short code of a Transformation field (for code outside this table that writes URLs)."""
    return next(code for code, spec in PARAMS.items() if spec.name == field_name)
