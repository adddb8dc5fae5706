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
from edge.grammar.colours import COLOUR_SPACES, parse_background, parse_border, parse_colour, parse_colour_space
from edge.grammar.parsers import (
    AUTO_FORMAT,
    FORMAT_NAMES,
    bounded_int,
    bounded_number,
    dimension,
    member_of,
    parse_angle,
    parse_aspect_ratio,
    parse_format,
    parse_named_list,
    UNSUPPORTED_FORMATS,
    parse_dpr,
    parse_opacity,
    parse_page,
    parse_quality,
    parse_radius,
    parse_width,
    unsupported_or,
)
from edge.errors import InvalidTransformation
from edge.grammar.values import CropMode, Gravity

# Tables of the other grammar modules, named here for the code that reads the whole dialect
# (the support table, the services that write URLs).
__all__ = [
    "AUTO_FORMAT", "EFFECTS", "EXPRESSION_CODES", "FETCH_LAYER_PREFIX", "FLAGS", "FORMAT_NAMES", "PARAMS",
    "PARTIAL_PARAMS", "UNSUPPORTED_CROPS", "UNSUPPORTED_EFFECTS", "UNSUPPORTED_FLAGS", "UNSUPPORTED_GRAVITIES",
    "UNSUPPORTED_FORMATS", "UNSUPPORTED_PARAMS", "ParamSpec", "code_for",
]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str  # the Transformation field it fills
    label: str  # how errors name it: "Invalid <label> - <value>"
    parse: Callable[[str], Any]
    doc: str


UNSUPPORTED_GRAVITIES = {
    "auto:subject": "needs an object detection model that is not shipped",
    "auto:classic": "Cloudinary's classic saliency algorithm; g_auto uses libvips attention",
    "xy_center": "not offered",
    "custom": "custom coordinates come from the upload API",
    "ocr_text": "needs an OCR model",
    "adv_face": "third-party add-on; plain g_face works",
    "adv_faces": "third-party add-on; plain g_faces works",
    "adv_eyes": "third-party add-on",
    "face:auto": "use g_auto:face",
    "body": "needs a body detection model",
    "liquid": "content-aware resizing (seam carving) is not offered",
}
# g_auto:<anything else> names an object (g_auto:dog, g_auto:bicycle_30): object detection; so do
# g_<object>[:<object>...] with the objects Cloudinary's object-aware cropping knows (COCO's).
OBJECT_GRAVITY_REASON = "object gravities need an object detection model that is not shipped"
OBJECTS = frozenset("""person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant
stop_sign parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella handbag
tie suitcase frisbee skis snowboard sports_ball kite baseball_bat baseball_glove skateboard surfboard tennis_racket
bottle wine_glass cup fork knife spoon bowl banana apple sandwich orange broccoli carrot hot_dog pizza donut cake
chair couch potted_plant bed dining_table toilet tv laptop mouse remote keyboard cell_phone microwave oven toaster
sink refrigerator book clock vase scissors teddy_bear hair_drier toothbrush animal vehicle food sport appliance
electronic furniture kitchen accessory outdoor indoor""".split())
# g_auto modes that mean plain g_auto here.
AUTO_ALIASES = {"auto:custom_no_override": Gravity.AUTO}


def _gravity(raw: str) -> Gravity:
    parse = unsupported_or(member_of("gravity", Gravity), "gravity", UNSUPPORTED_GRAVITIES)
    if any(raw == k or raw.startswith(k + ":") for k in UNSUPPORTED_GRAVITIES):
        return parse(raw)  # raises, with the reason
    if raw in AUTO_ALIASES:
        return AUTO_ALIASES[raw]
    if raw.split(":")[0].rsplit("_", 1)[0] in OBJECTS or raw.split(":")[0] in OBJECTS:
        raise InvalidTransformation(f"Unsupported gravity - {raw} ({OBJECT_GRAVITY_REASON})")
    if raw.startswith("auto:") and raw not in {g.value for g in Gravity}:
        rest = raw[len("auto:"):]
        key = next((k for k in UNSUPPORTED_GRAVITIES if rest == k or rest.startswith(k + ":")), None)
        reason = UNSUPPORTED_GRAVITIES[key] if key else OBJECT_GRAVITY_REASON
        raise InvalidTransformation(f"Unsupported gravity - {raw} ({reason})")
    return parse(raw)

UNSUPPORTED_CROPS = {
    "imagga_crop": "third-party add-on",
    "imagga_scale": "third-party add-on",
}

PARAMS: dict[str, ParamSpec] = {
    "w": ParamSpec("width", "width", parse_width, "Width in px; a decimal up to 1.0 is relative to the input; auto[:<step>[:<fallback>]] takes the client's width hint."),
    "h": ParamSpec("height", "height", dimension("height"), "Height in px; a decimal up to 1.0 is relative to the input."),
    "c": ParamSpec("crop", "crop", unsupported_or(member_of("crop", CropMode), "crop", UNSUPPORTED_CROPS), "Crop/resize mode: " + " ".join(m.value for m in CropMode)),
    "g": ParamSpec("gravity", "gravity", _gravity, "Which part to keep: compass points, center, auto, face(s)[:center], auto:face(s)."),
    "x": ParamSpec("x", "x", dimension("x", allow_negative=True), "Horizontal offset (px or relative): c_crop, layers, regions."),
    "y": ParamSpec("y", "y", dimension("y", allow_negative=True), "Vertical offset (px or relative): c_crop, layers, regions."),
    "ar": ParamSpec("aspect_ratio", "aspect ratio", parse_aspect_ratio, "Aspect ratio, 16:9 or a decimal."),
    "dpr": ParamSpec("dpr", "dpr", parse_dpr, "Device pixel ratio: multiplies the dimensions (0 < dpr <= 8); auto takes the client's DPR hint."),
    "q": ParamSpec("quality", "quality", parse_quality, "Quality 1-100 or auto[:best|good|eco|low], then :420|:444 (chroma subsampling) and :qmax_<n>."),
    "f": ParamSpec("format", "format", parse_format, "Output format: jpg png webp avif gif tiff heic bmp ico jp2 jxl pdf, auto."),
    "a": ParamSpec("angle", "angle", parse_angle, "Rotation in degrees, hflip, vflip, auto_right, auto_left, auto, ignore; several joined with '.'."),
    "b": ParamSpec("background", "color", parse_background, "Background colour (name, rgb:RRGGBB[AA]), or for the pad modes auto[:border|predominant][_gradient][_contrast][:2|4][:<direction>][:palette_<colours>]."),
    "fl": ParamSpec("flags", "flag", parse_flags, "Flags, joined with '.': see the support table."),
    "e": ParamSpec("effect", "effect", parse_effect, "Effect with its parameters: e_<name>[:<arg>...]."),
    "r": ParamSpec("radius", "radius", parse_radius, "Rounded corners: px, 1-4 values a:b:c:d, or max (ellipse)."),
    "bo": ParamSpec("border", "border", parse_border, "Border <width>px_solid_<colour>."),
    "co": ParamSpec("colour", "color", parse_colour, "Colour for effects, text layers, outlines and shadows."),
    "o": ParamSpec("opacity", "opacity", parse_opacity, "Opacity 0-100."),
    "z": ParamSpec("zoom", "zoom", bounded_number("zoom", 0, 100, low_open=True), "Zoom for c_crop/c_thumb with a gravity (face or compass)."),
    "cs": ParamSpec("colour_space", "color space", parse_colour_space, "Colour space: srgb tinysrgb no_cmyk keep_cmyk copy, or icc:<public_id> (an uploaded raw ICC profile)."),
    "l": ParamSpec("overlay", "overlay", parse_layer, "Overlay: public_id (folders as ':') or text:<font>_<size>[_style...]:<text>."),
    "u": ParamSpec("underlay", "underlay", parse_layer, "Underlay: public_id (folders as ':')."),
    "t": ParamSpec("named", "named transformation", parse_named_list, "Named transformation(s), from the Admin API or the config, joined with '.'."),
    "pg": ParamSpec("page", "page", parse_page, "Page (frame) of a PDF, multi-page or animated image, from 1; ranges a-b;c;d- for multi-page results."),
    "if": ParamSpec("condition", "condition", parse_condition, "Condition: if_<expr> ... [if_else ...] if_end, or one component with an if_else in the next; w h ar iw ih iar pc fc cp px py tags ctx md."),
    "d": ParamSpec("default_image", "default image", parse_default_image, "Public_id (folders as ':') served when the asset is missing."),
    "dl": ParamSpec("delay", "delay", bounded_int("delay", 0, 65_535), "Milliseconds between the frames of an animated result."),
    "dn": ParamSpec("density", "density", bounded_int("density", 1, 600), "DPI for rasterising PDF (default 150) and SVG (1-600)."),
}

# Parameters whose value may be an expression ($var, iw_div_2, ...), evaluated by the plan.
EXPRESSION_CODES = ("w", "h", "x", "y", "ar", "o", "r", "a", "z", "dpr")

# Where this build differs from Cloudinary for a supported parameter (for the support table).
PARTIAL_PARAMS: dict[str, str] = {
    "g": "face gravities use OpenCV's Haar cascade (frontal faces); g_auto (and g_auto:custom_no_override) uses libvips "
         "attention, not Cloudinary's AI; object gravities (g_auto:<object>, g_<object>) are not offered",
    "l": "video/subtitles layers are not offered (l_fetch: goes through the fetch allow-list and guard); text uses the fonts the machine has (fontconfig names, Pango), no custom font files; "
         "w_ with c_fit wraps text",
    "u": "as l",
    "cs": "the named spaces deliver sRGB; icc:<public_id> converts to the uploaded profile (raw upload) and embeds it",
    "f": "HEIC is written by libheif (pillow-heif), BMP, ICO, JPEG 2000, JPEG XL and PDF by Pillow (and its plugins); "
         "ICO holds one image of at most 256x256; f_auto picks only AVIF, WebP, JPEG or PNG",
    "if": "only the image characteristics listed here (see Conditions); tags, ctx and md come from the catalog "
          "(assets uploaded through the API; files dropped into storage have none)",
    "dn": "PDF pages are rasterised at this density; SVG is rasterised at its own size",
    "q": "q_auto maps to fixed levels per format (no content analysis); qmax_ is accepted and ignored for images; "
         "lossless formats (PNG, GIF, TIFF, BMP, ICO) ignore q",
    "t": "named transformations come from the Admin API (per cloud) and the config file (EDGE_TRANSFORMATIONS_NAMED)",
    "z": "applies with face gravities (c_thumb, c_crop); ignored with compass gravities",
    "pg": "PDF pages, frames of animated GIF/WebP and pages of TIFF; a range gives an animated GIF/WebP or a multi-page TIFF "
         "(other formats take its first page)",
    "w": "w_auto without a width hint and without a fallback keeps the image's width",
    "dpr": "dpr_auto without a hint is 1",
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
