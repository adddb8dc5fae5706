"""The parameter table (declarative): Cloudinary short codes -> full names, parsers and docs.

This is the only module that knows `w`, `c`, `g`, ... Everywhere else uses the full names of
`Transformation`'s fields. The parsers live in grammar/parsers.py (values), flags.py, layers.py,
effects.py and expressions.py (conditions); they raise `InvalidTransformation` with Cloudinary's
wording ("Invalid width - abc").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.grammar.effects import EFFECTS, UNSUPPORTED_EFFECTS, parse_effect
from edge.grammar.expressions import parse_condition
from edge.grammar.flags import FLAGS, UNSUPPORTED_FLAGS, parse_flags
from edge.grammar.layers import FETCH_LAYER_PREFIX, parse_default_image, parse_layer
from edge.grammar.parsers import (
    AUTO_FORMAT,
    COLOUR_SPACES,
    FORMAT_NAMES,
    bounded_int,
    bounded_number,
    dimension,
    member_of,
    one_of,
    parse_angle,
    parse_aspect_ratio,
    parse_background,
    parse_border,
    parse_colour,
    parse_format,
    parse_named_list,
    parse_opacity,
    parse_quality,
    parse_radius,
    unsupported_or,
)
from edge.grammar.values import CropMode, Gravity

# Tables of the other grammar modules, named here for the code that reads the whole dialect
# (the support table, the services that write URLs).
__all__ = [
    "AUTO_FORMAT", "EFFECTS", "EXPRESSION_CODES", "FETCH_LAYER_PREFIX", "FLAGS", "FORMAT_NAMES", "PARAMS",
    "PARTIAL_PARAMS", "UNSUPPORTED_CROPS", "UNSUPPORTED_EFFECTS", "UNSUPPORTED_FLAGS", "UNSUPPORTED_GRAVITIES",
    "UNSUPPORTED_PARAMS", "ParamSpec", "code_for",
]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str  # the Transformation field it fills
    label: str  # how errors name it: "Invalid <label> - <value>"
    parse: Callable[[str], Any]
    doc: str


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

PARAMS: dict[str, ParamSpec] = {
    "w": ParamSpec("width", "width", dimension("width"), "Width in px; a decimal up to 1.0 is relative to the input."),
    "h": ParamSpec("height", "height", dimension("height"), "Height in px; a decimal up to 1.0 is relative to the input."),
    "c": ParamSpec("crop", "crop", unsupported_or(member_of("crop", CropMode), "crop", UNSUPPORTED_CROPS), "Crop/resize mode: " + " ".join(m.value for m in CropMode)),
    "g": ParamSpec("gravity", "gravity", unsupported_or(member_of("gravity", Gravity), "gravity", UNSUPPORTED_GRAVITIES), "Which part to keep: compass points, center, auto, face(s)[:center], auto:face(s)."),
    "x": ParamSpec("x", "x", dimension("x", allow_negative=True), "Horizontal offset (px or relative): c_crop, layers, regions."),
    "y": ParamSpec("y", "y", dimension("y", allow_negative=True), "Vertical offset (px or relative): c_crop, layers, regions."),
    "ar": ParamSpec("aspect_ratio", "aspect ratio", parse_aspect_ratio, "Aspect ratio, 16:9 or a decimal."),
    "dpr": ParamSpec("dpr", "dpr", bounded_number("dpr", 0, 8, low_open=True), "Device pixel ratio: multiplies the dimensions (0 < dpr <= 8)."),
    "q": ParamSpec("quality", "quality", parse_quality, "Quality 1-100, auto, or auto:best|good|eco|low."),
    "f": ParamSpec("format", "format", parse_format, "Output format: jpg png webp avif gif auto."),
    "a": ParamSpec("angle", "angle", parse_angle, "Rotation in degrees, hflip, vflip, auto_right, auto_left, ignore; several joined with '.'."),
    "b": ParamSpec("background", "color", parse_background, "Background colour (name, rgb:RRGGBB[AA]) or auto[:border|predominant] for the pad modes."),
    "fl": ParamSpec("flags", "flag", parse_flags, "Flags, joined with '.': see the support table."),
    "e": ParamSpec("effect", "effect", parse_effect, "Effect with its parameters: e_<name>[:<arg>...]."),
    "r": ParamSpec("radius", "radius", parse_radius, "Rounded corners: px, 1-4 values a:b:c:d, or max (ellipse)."),
    "bo": ParamSpec("border", "border", parse_border, "Border <width>px_solid_<colour>."),
    "co": ParamSpec("colour", "color", parse_colour, "Colour for effects, text layers, outlines and shadows."),
    "o": ParamSpec("opacity", "opacity", parse_opacity, "Opacity 0-100."),
    "z": ParamSpec("zoom", "zoom", bounded_number("zoom", 0, 100, low_open=True), "Zoom for c_crop/c_thumb with a gravity (face or compass)."),
    "cs": ParamSpec("colour_space", "color space", one_of("color space", COLOUR_SPACES), "Colour space: srgb tinysrgb no_cmyk keep_cmyk copy (all delivered as sRGB)."),
    "l": ParamSpec("overlay", "overlay", parse_layer, "Overlay: public_id (folders as ':') or text:<font>_<size>[_style...]:<text>."),
    "u": ParamSpec("underlay", "underlay", parse_layer, "Underlay: public_id (folders as ':')."),
    "t": ParamSpec("named", "named transformation", parse_named_list, "Named transformation(s), from the Admin API or the config, joined with '.'."),
    "pg": ParamSpec("page", "page", bounded_int("page", 1, 10_000), "Page (frame) number of a multi-page or animated image, from 1."),
    "if": ParamSpec("condition", "condition", parse_condition, "Condition: if_<expr> ... [if_else ...] if_end; w h ar iw ih iar pc fc tags ctx."),
    "d": ParamSpec("default_image", "default image", parse_default_image, "Public_id (folders as ':') served when the asset is missing."),
    "dl": ParamSpec("delay", "delay", bounded_int("delay", 0, 65_535), "Milliseconds between the frames of an animated result."),
    "dn": ParamSpec("density", "density", bounded_int("density", 1, 600), "DPI for rasterising SVG (1-600; default 72)."),
}

# Parameters whose value may be an expression ($var, iw_div_2, ...), evaluated by the plan.
EXPRESSION_CODES = ("w", "h", "x", "y", "ar", "o", "r", "a", "z", "dpr")

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
