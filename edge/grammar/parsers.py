"""Value parsers of the parameter table: text -> typed value, or InvalidTransformation worded as
Cloudinary words it ("Invalid width - abc"). Pure."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
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
    Dimension,
    OutputFormat,
    Quality,
    Radius,
)

_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
HEX = re.compile(r"[0-9a-fA-F]+")


def invalid(label: str, raw: str) -> InvalidTransformation:
    return InvalidTransformation(f"Invalid {label} - {raw}")


def number(raw: str) -> float | None:
    """A finite decimal, or None for anything else (no exponents, no inf/nan)."""
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def dimension(label: str, *, allow_negative: bool = False) -> Callable[[str], Dimension]:
    def parse(raw: str) -> Dimension:
        value = number(raw)
        if value is None or (value < 0 and not allow_negative) or abs(value) > 1_000_000:
            raise invalid(label, raw)
        # Cloudinary: a decimal up to 1 ("0.5", "1.0") is relative; an integer ("1") is pixels.
        if "." in raw and abs(value) <= 1:
            return Dimension(value, relative=True)
        if value == 0 and not allow_negative:
            raise invalid(label, raw)
        return Dimension(round(value))

    return parse


def member_of(label: str, kind: type) -> Callable[[str], Any]:
    """A member of an Enum, by value."""
    by_value = {member.value: member for member in kind}

    def parse(raw: str) -> Any:
        try:
            return by_value[raw]
        except KeyError:
            raise invalid(label, raw) from None

    return parse


def one_of(label: str, values: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in values:
            raise invalid(label, raw)
        return raw

    return parse


def unsupported_or(parse: Callable[[str], Any], label: str, reasons: dict[str, str]) -> Callable[[str], Any]:
    """A parser that names Cloudinary values this build does not offer, with the reason."""

    def run(raw: str) -> Any:
        key = next((k for k in reasons if raw == k or raw.startswith(k + ":")), None)
        if key is not None:
            raise InvalidTransformation(f"Unsupported {label} - {raw} ({reasons[key]})")
        return parse(raw)

    return run


def bounded_int(label: str, low: int, high: int) -> Callable[[str], int]:
    """Digits only, low <= value <= high (pages, delays, densities)."""

    def parse(raw: str) -> int:
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise invalid(label, raw)
        return int(raw)

    return parse


def bounded_number(label: str, low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = number(raw)
        if value is None or value > high or value < low or (low_open and value == low):
            raise invalid(label, raw)
        return value

    return parse


def parse_aspect_ratio(raw: str) -> float:
    left, sep, right = raw.partition(":")
    numerator, denominator = number(left), (number(right) if sep else 1.0)
    if numerator is None or denominator is None or numerator <= 0 or denominator <= 0:
        raise invalid("aspect ratio", raw)
    ratio = numerator / denominator
    if not 1e-3 <= ratio <= 1e3:
        raise invalid("aspect ratio", raw)
    return ratio


QUALITY_AUTO_LEVELS = ("best", "good", "eco", "low")


def parse_quality(raw: str) -> Quality:
    if raw == "auto":
        return Quality(auto_level="good")
    if raw.startswith("auto:") and raw[5:] in QUALITY_AUTO_LEVELS:
        return Quality(auto_level=raw[5:])
    if raw.isdigit() and 1 <= int(raw) <= 100:
        return Quality(value=int(raw))
    raise invalid("quality", raw)


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


def parse_format(raw: str) -> OutputFormat | str:
    if raw == AUTO_FORMAT:
        return AUTO_FORMAT
    try:
        return FORMAT_NAMES[raw]
    except KeyError:
        raise invalid("format", raw) from None


def parse_angle(raw: str) -> Angle:
    steps: list[float | str] = []
    for part in raw.split("."):
        if part in (HFLIP, VFLIP, AUTO_RIGHT, AUTO_LEFT, IGNORE):
            steps.append(part)
            continue
        value = number(part)
        if value is None or abs(value) > 3600:
            raise invalid("angle", raw)
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


BACKGROUND_AUTO_MODES = ("border", "predominant", "border_contrast", "predominant_contrast")


def parse_background(raw: str) -> Colour | str:
    """A colour, or `auto[:border|predominant|border_contrast|predominant_contrast]` for padding."""
    if raw == "auto" or raw.startswith("auto:"):
        mode = raw.partition(":")[2] or "border"
        if mode not in BACKGROUND_AUTO_MODES:
            raise invalid("background", raw)
        return f"auto:{mode}"
    return parse_colour(raw)


def parse_radius(raw: str) -> Radius:
    if raw == "max":
        return Radius(max=True)
    values = [number(part) for part in raw.split(":")]
    if not 1 <= len(values) <= 4 or any(v is None or v < 0 or v > 100_000 for v in values):
        raise invalid("radius", raw)
    a, b, c, d = {1: lambda v: v * 4, 2: lambda v: [v[0], v[1], v[0], v[1]],
                  3: lambda v: [v[0], v[1], v[2], v[1]], 4: lambda v: v}[len(values)](values)
    return Radius((a, b, c, d))  # type: ignore[arg-type]


_BORDER = re.compile(r"(\d{1,4})px_solid_(.+)")


def parse_border(raw: str) -> Border:
    match = _BORDER.fullmatch(raw)
    if not match:
        raise invalid("border", raw)
    return Border(int(match.group(1)), parse_colour(match.group(2)))


def parse_opacity(raw: str) -> int:
    value = number(raw)
    if value is None or not 0 <= value <= 100:
        raise invalid("opacity", raw)
    return round(value)


COLOUR_SPACES = ("srgb", "tinysrgb", "no_cmyk", "keep_cmyk", "copy")
_NAME = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def parse_named_list(raw: str) -> tuple[str, ...]:
    names = tuple(raw.split("."))
    if not all(_NAME.fullmatch(n) for n in names) or len(names) > 8:
        raise invalid("named transformation", raw)
    return names
