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
_NAME = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def parse_named_list(raw: str) -> tuple[str, ...]:
    names = tuple(raw.split("."))
    if not all(_NAME.fullmatch(n) for n in names) or len(names) > 8:
        raise invalid("named transformation", raw)
    return names
