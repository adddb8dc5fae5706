"""The parameter table: Cloudinary short codes -> full names, parsers and docs.

This is the only module that knows `w`, `c`, `g`, ... Everywhere else uses the full names
of `Transformation`'s fields. Parsers raise `InvalidTransformation` with Cloudinary's
wording ("Invalid width - abc").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.values import (
    HFLIP,
    VFLIP,
    Angle,
    Colour,
    CropMode,
    Dimension,
    Gravity,
    OutputFormat,
    Quality,
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
        if part in (HFLIP, VFLIP):
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


# Flags this build knows, with the values each may carry after ':'.
FLAGS: dict[str, tuple[str, ...]] = {"progressive": ("", "semi", "steep", "none")}


def _flags(raw: str) -> frozenset[str]:
    flags = set()
    for part in raw.split("."):
        name, _, value = part.partition(":")
        if name not in FLAGS or value not in FLAGS[name]:
            raise _invalid("flag", part)
        flags.add(part)
    return frozenset(flags)


_NAMED = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _named(raw: str) -> tuple[str, ...]:
    names = tuple(raw.split("."))
    if not all(_NAMED.fullmatch(n) for n in names):
        raise _invalid("transformation", raw)
    return names


PARAMS: dict[str, ParamSpec] = {
    "w": ParamSpec("width", "width", _dimension("width"), "Width in px; a decimal up to 1.0 is relative to the input."),
    "h": ParamSpec("height", "height", _dimension("height"), "Height in px; a decimal up to 1.0 is relative to the input."),
    "c": ParamSpec("crop", "crop", _enum("crop", CropMode), "Crop/resize mode: " + " ".join(m.value for m in CropMode)),
    "g": ParamSpec("gravity", "gravity", _enum("gravity", Gravity), "Which part to keep: compass points, center, auto."),
    "x": ParamSpec("x", "x", _dimension("x", allow_negative=True), "Horizontal offset (px or relative) for c_crop."),
    "y": ParamSpec("y", "y", _dimension("y", allow_negative=True), "Vertical offset (px or relative) for c_crop."),
    "ar": ParamSpec("aspect_ratio", "aspect ratio", _aspect_ratio, "Aspect ratio, 16:9 or a decimal."),
    "dpr": ParamSpec("dpr", "dpr", _dpr, "Device pixel ratio: multiplies the dimensions (0 < dpr <= 8)."),
    "q": ParamSpec("quality", "quality", _quality, "Quality 1-100, auto, or auto:best|good|eco|low."),
    "f": ParamSpec("format", "format", _format, "Output format: jpg png webp avif gif auto."),
    "a": ParamSpec("angle", "angle", _angle, "Rotation in degrees, hflip, vflip; several joined with '.'."),
    "b": ParamSpec("background", "color", _colour, "Background colour (name, rgb:RRGGBB[AA]) for the pad modes."),
    "fl": ParamSpec("flags", "flag", _flags, "Flags: progressive[:semi|steep|none]."),
    "t": ParamSpec("named", "transformation", _named, "Named transformation(s) t_<name>[.<name>], from the Admin API."),
}
