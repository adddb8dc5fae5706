"""Colour values of the parameter table: names, rgb: hex, b_ backgrounds (auto modes, gradients,
palettes, blurred) and colour spaces (cs_, cs_icc:). Pure."""

from __future__ import annotations

import re

from edge.errors import InvalidTransformation
from edge.grammar.parsers import HEX, invalid, number
from edge.grammar.values import Border, Colour


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


def parse_colour(raw: str) -> Colour:
    text = raw.lower()
    if text.startswith("rgb:"):
        digits = text[4:]
    elif text.startswith("#"):
        digits = text[1:]
    else:
        digits = COLOUR_NAMES.get(text, "")
    if len(digits) in (3, 4):  # short form: each digit doubled
        digits = "".join(d * 2 for d in digits)
    if len(digits) not in (6, 8) or not HEX.fullmatch(digits):
        raise invalid("color", raw)
    channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    return Colour(*channels)


BACKGROUND_AUTO_MODES = ("border", "predominant", "border_contrast", "predominant_contrast",
                         "border_gradient", "predominant_gradient", "border_gradient_contrast",
                         "predominant_gradient_contrast")
GRADIENT_DIRECTIONS = ("horizontal", "vertical", "diagonal_desc", "diagonal_asc")
GRADIENT_COUNTS = ("2", "4")
UNSUPPORTED_BACKGROUNDS = {"gen_fill": "generative AI; use b_auto or a colour"}


def parse_background(raw: str) -> Colour | str:
    """A colour, or `auto[:<mode>[:<count>][:<direction>][:palette_<colour>_...]]` for padding,
    returned in its full canonical form (`auto:predominant_gradient:2:horizontal`)."""
    if raw.partition(":")[0] in UNSUPPORTED_BACKGROUNDS:
        name = raw.partition(":")[0]
        raise InvalidTransformation(f"Unsupported background - {raw} ({UNSUPPORTED_BACKGROUNDS[name]})")
    if raw == "auto" or raw.startswith("auto:"):
        return parse_auto_background(raw)
    if raw == "blurred" or raw.startswith("blurred:"):
        return parse_blurred_background(raw)
    return parse_colour(raw)


def parse_blurred_background(raw: str) -> str:
    """`blurred[:<intensity 1-2000, 100>[:<brightness -300..100, 0>]]`: the image itself, filled and blurred."""
    args = raw.split(":")[1:]
    intensity = number(args[0]) if args else 100.0
    brightness = number(args[1]) if len(args) > 1 else 0.0
    if len(args) > 2 or intensity is None or brightness is None or not 1 <= intensity <= 2000 or not -300 <= brightness <= 100:
        raise invalid("background", raw)
    return f"blurred:{intensity:g}:{brightness:g}"


def parse_palette_colour(raw: str) -> Colour:
    """A palette entry: a colour name, or bare hex digits (`palette_red_00ff00`)."""
    if HEX.fullmatch(raw) and len(raw) in (3, 6) and raw.lower() not in COLOUR_NAMES:
        return parse_colour("rgb:" + raw)
    return parse_colour(raw)


def parse_auto_background(raw: str) -> str:
    mode, *options = (raw.partition(":")[2] or "border").split(":")
    if mode not in BACKGROUND_AUTO_MODES:
        raise invalid("background", raw)
    count, direction, palette = None, None, None
    for option in options:
        if option in GRADIENT_COUNTS and count is None and "gradient" in mode:
            count = option
        elif option in GRADIENT_DIRECTIONS and direction is None and "gradient" in mode:
            direction = option
        elif option.startswith("palette_") and palette is None:
            colours = option[len("palette_"):].split("_")
            if not 1 <= len(colours) <= 16:
                raise invalid("background", raw)
            for colour in colours:
                parse_palette_colour(colour)
            palette = option
        else:
            raise invalid("background", raw)
    parts = [f"auto:{mode}"]
    if "gradient" in mode:
        parts += [count or "2", direction or "horizontal"]
    if palette:
        parts.append(palette)
    return ":".join(parts)


COLOUR_SPACES = ("srgb", "tinysrgb", "no_cmyk", "keep_cmyk", "copy")
ICC_PREFIX = "icc:"  # cs_icc:<public_id of a raw ICC profile, folders as ':'>
_RAW_ID_PART = re.compile(r"[A-Za-z0-9_\-.@ ]{1,255}")


def parse_colour_space(raw: str) -> str:
    """One of COLOUR_SPACES, or `icc:<public_id>` (an uploaded raw ICC profile) as `icc:<folder/name>`."""
    if raw.startswith(ICC_PREFIX):
        parts = raw[len(ICC_PREFIX):].split(":")
        if not all(_RAW_ID_PART.fullmatch(p) and p not in (".", "..") for p in parts):
            raise invalid("color space", raw)
        return ICC_PREFIX + "/".join(parts)
    if raw not in COLOUR_SPACES:
        raise invalid("color space", raw)
    return raw


_BORDER = re.compile(r"(\d{1,4})px_solid_(.+)")


def parse_border(raw: str) -> Border:
    match = _BORDER.fullmatch(raw)
    if not match:
        raise invalid("border", raw)
    return Border(int(match.group(1)), parse_colour(match.group(2)))
