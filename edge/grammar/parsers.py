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
    AutoWidth,
    Pages,
    AUTO_RIGHT,
    HFLIP,
    IGNORE,
    VFLIP,
    Angle,
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


def parse_dpr(raw: str) -> float | str:
    """A ratio (0 < dpr <= 8), or `auto`: the client's DPR hint, resolved before planning."""
    if raw == "auto":
        return "auto"
    return bounded_number("dpr", 0, 8, low_open=True)(raw)


_AUTO_WIDTH = re.compile(r"auto(?::(\d{1,4}))?(?::(\d{1,5}))?")
UNSUPPORTED_WIDTHS = {"auto:breakpoints": "automatic breakpoints need Cloudinary's image analysis; use w_auto:<step>"}


def parse_width(raw: str) -> Dimension | AutoWidth:
    """A dimension, or w_auto[:<step>[:<fallback>]] (the client's width hint)."""
    if raw.startswith("auto"):
        if raw.startswith("auto:breakpoints"):
            raise InvalidTransformation(f"Unsupported width - {raw} ({UNSUPPORTED_WIDTHS['auto:breakpoints']})")
        match = _AUTO_WIDTH.fullmatch(raw)
        if match is None or (match.group(1) and int(match.group(1)) == 0):
            raise invalid("width", raw)
        fallback = int(match.group(2)) if match.group(2) else None
        if fallback == 0:
            raise invalid("width", raw)
        return AutoWidth(int(match.group(1) or 1), fallback)
    return dimension("width")(raw)


UNSUPPORTED_PAGES = {"name": "Photoshop layers are not read", "embedded": "Photoshop layers are not read"}
_PAGE_RANGE = re.compile(r"(\d{1,5})(?:(-)(\d{1,5})?)?")
MAX_PAGE = 10_000


def parse_page(raw: str) -> int | Pages:
    """pg_<n>, or ranges `<a>-<b>`, `<a>-` (to the last), joined with ';' or ','."""
    kind = raw.partition(":")[0]
    if kind in UNSUPPORTED_PAGES and ":" in raw:
        raise InvalidTransformation(f"Unsupported page - {raw} ({UNSUPPORTED_PAGES[kind]})")
    if raw.isdigit():
        if not 1 <= int(raw) <= MAX_PAGE:
            raise invalid("page", raw)
        return int(raw)
    ranges: list[tuple[int, int | None]] = []
    for part in raw.split(";"):
        match = _PAGE_RANGE.fullmatch(part)
        if match is None:
            raise invalid("page", raw)
        start = int(match.group(1))
        end = int(match.group(3)) if match.group(3) else (None if match.group(2) else start)
        if not 1 <= start <= MAX_PAGE or (end is not None and not start <= end <= MAX_PAGE):
            raise invalid("page", raw)
        ranges.append((start, end))
    if len(ranges) > 64:
        raise invalid("page", raw)
    return Pages(tuple(ranges))


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


UNSUPPORTED_QUALITIES = {"jpegmini": "JPEGmini is a proprietary encoder; use q_auto"}
CHROMA_SUBSAMPLING = ("420", "444")


def parse_quality(raw: str) -> Quality:
    """<n>[:420|:444][:qmax_<m>], auto[:<level>][:420|:444]."""
    head, *options = raw.split(":")
    if head in UNSUPPORTED_QUALITIES or raw.startswith("auto:jpegmini"):
        raise InvalidTransformation(f"Unsupported quality - {raw} ({UNSUPPORTED_QUALITIES['jpegmini']})")
    if head == "auto" and options and options[0] in QUALITY_AUTO_LEVELS:
        level, options = options[0], options[1:]
    elif head == "auto":
        level = "good"
    elif head.isdigit() and 1 <= int(head) <= 100:
        level = None
    else:
        raise invalid("quality", raw)
    chroma = qmax = None
    for option in options:
        if option in CHROMA_SUBSAMPLING and chroma is None:
            chroma = int(option)
        elif option.startswith("qmax_") and option[5:].isdigit() and 1 <= int(option[5:]) <= 1000 and qmax is None:
            qmax = int(option[5:])
        else:
            raise invalid("quality", raw)
    if level is not None:
        return Quality(auto_level=level, chroma=chroma, qmax=qmax)
    return Quality(value=int(head), chroma=chroma, qmax=qmax)


FORMAT_NAMES = {
    "jpg": OutputFormat.JPEG,
    "jpeg": OutputFormat.JPEG,
    "jpe": OutputFormat.JPEG,
    "png": OutputFormat.PNG,
    "webp": OutputFormat.WEBP,
    "avif": OutputFormat.AVIF,
    "gif": OutputFormat.GIF,
    "tiff": OutputFormat.TIFF,
    "tif": OutputFormat.TIFF,
    "heic": OutputFormat.HEIC,
    "heif": OutputFormat.HEIC,
    "bmp": OutputFormat.BMP,
    "ico": OutputFormat.ICO,
    "jp2": OutputFormat.JP2,
    "jxl": OutputFormat.JXL,
    "pdf": OutputFormat.PDF,
}
AUTO_FORMAT = "auto"
# Formats Cloudinary delivers that nothing here writes, and why (a 400 naming them).
UNSUPPORTED_FORMATS = {
    "psd": "Photoshop documents are not written",
    "eps": "vector formats are not written",
    "ai": "vector formats are not written",
    "svg": "vector formats are not written; SVG originals are delivered rasterised",
    "wdp": "JPEG XR has no encoder here",
    "jxr": "JPEG XR has no encoder here",
    "hdp": "JPEG XR has no encoder here",
    "flif": "FLIF has no encoder here",
    "jpc": "JPEG 2000 codestreams are not written; use f_jp2",
    "j2k": "JPEG 2000 codestreams are not written; use f_jp2",
    "apng": "libvips cannot write animated PNG",
    "arw": "camera raw formats are read-only", "cr2": "camera raw formats are read-only",
    "djvu": "DjVu is not written", "tga": "TGA is not written", "webm": "video output; use the video pipeline",
    "mp4": "video output; use the video pipeline", "ogv": "video output; use the video pipeline",
    "usdz": "3D models", "glb": "3D models", "gltf": "3D models", "fbx": "3D models",
}


def parse_format(raw: str) -> OutputFormat | str:
    if raw == AUTO_FORMAT:
        return AUTO_FORMAT
    if raw in UNSUPPORTED_FORMATS:
        raise InvalidTransformation(f"Unsupported format - {raw} ({UNSUPPORTED_FORMATS[raw]})")
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
        if part == "auto":  # as the JavaScript SDK writes it: rotate clockwise when the box's orientation differs
            steps.append(AUTO_RIGHT)
            continue
        value = number(part)
        if value is None or abs(value) > 3600:
            raise invalid("angle", raw)
        steps.append(value)
    return tuple(steps)


def parse_radius(raw: str) -> Radius:
    if raw == "max":
        return Radius(max=True)
    values = [number(part) for part in raw.split(":")]
    if not 1 <= len(values) <= 4 or any(v is None or v < 0 or v > 100_000 for v in values):
        raise invalid("radius", raw)
    a, b, c, d = {1: lambda v: v * 4, 2: lambda v: [v[0], v[1], v[0], v[1]],
                  3: lambda v: [v[0], v[1], v[2], v[1]], 4: lambda v: v}[len(values)](values)
    return Radius((a, b, c, d))  # type: ignore[arg-type]


def parse_opacity(raw: str) -> int:
    value = number(raw)
    if value is None or not 0 <= value <= 100:
        raise invalid("opacity", raw)
    return round(value)


_NAME = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def parse_named_list(raw: str) -> tuple[str, ...]:
    names = tuple(raw.split("."))
    if not all(_NAME.fullmatch(n) for n in names) or len(names) > 8:
        raise invalid("named transformation", raw)
    return names
