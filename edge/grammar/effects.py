"""The effect table (declarative; `e_<name>[:<arg>...]`): each effect's arguments, documented
ranges and defaults (Cloudinary's transformation reference), the record it yields, the effects
this build refuses and why; and the parser that turns `e_` text into an `Effect`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edge.errors import InvalidTransformation
from edge.grammar.effect_args import (
    Cartoonify,
    Colorblind,
    Effect,
    EffectArgs,
    Level,
    ModeLevel,
    NoArgs,
    Outline,
    ReplaceColor,
    Tint,
    Trim,
)
from edge.grammar.parsers import COLOUR_NAMES, HEX, invalid, number, parse_colour
from edge.grammar.values import Colour


@dataclass(frozen=True, slots=True)
class LevelArg:
    """A number in [low, high]; `default` when absent."""

    low: float
    high: float
    default: float

    def parse(self, effect: str, given: str | None) -> float:
        if given is None:
            return float(self.default)
        value = number(given)
        if value is None or not self.low <= value <= self.high:
            raise invalid(f"{effect} level", given)
        return value


@dataclass(frozen=True, slots=True)
class ChoiceArg:
    """One of `options`; `default` when absent."""

    options: tuple[str, ...]
    default: str

    def parse(self, effect: str, given: str | None) -> str:
        if given is None:
            return self.default
        if given not in self.options:
            raise invalid(f"{effect} mode", given)
        return given


# How an effect reads its `:`-separated arguments into its record.
ArgsParser = Callable[[str, str, list[str]], EffectArgs]  # (effect name, raw text, arguments)


def _none(name: str, raw: str, args: list[str]) -> EffectArgs:
    if args:
        raise invalid(f"{name} parameters", raw)
    return NoArgs()


def _level(low: float, high: float, default: float) -> ArgsParser:
    spec = LevelArg(low, high, default)

    def parse(name: str, raw: str, args: list[str]) -> EffectArgs:
        if len(args) > 1:
            raise invalid(f"{name} parameters", raw)
        return Level(spec.parse(name, _arg(args, 0)))

    return parse


def _mode_and_level(default: str, modes: tuple[str, ...], level: LevelArg) -> ArgsParser:
    """`[<mode>:]<level>`: an optional leading mode (one of `modes`, else `default`), then one level."""

    def parse(name: str, raw: str, args: list[str]) -> EffectArgs:
        mode = default
        if args and args[0] in modes:
            mode, args = args[0], args[1:]
        value = level.parse(name, _given(args, 0))
        if len(args) > 1:
            raise invalid(f"{name} parameters", raw)
        return ModeLevel(mode, value)

    return parse


def _colour_arg(raw: str) -> Colour:
    """A colour argument: a name, rgb:RRGGBB, or bare hex digits."""
    if HEX.fullmatch(raw) and len(raw) in (3, 6) and raw.lower() not in COLOUR_NAMES:
        return parse_colour("rgb:" + raw)
    return parse_colour(raw)


def _arg(args: list[str], index: int) -> str | None:
    """A positional argument; an empty one (`e_trim::red`) takes the default."""
    return args[index] if index < len(args) and args[index] != "" else None


def _given(args: list[str], index: int) -> str | None:
    """An argument of the free-form syntaxes: only a missing one takes the default."""
    return args[index] if index < len(args) else None


def _tint(name: str, raw: str, args: list[str]) -> EffectArgs:
    equalize = bool(args) and args[0] == "equalize"
    args = args[1:] if equalize else args
    amount = 60.0
    if args and number(args[0]) is not None:
        amount = number(args[0]) or 0.0
        if not 0 <= amount <= 100:
            raise invalid("tint amount", args[0])
        args = args[1:]
    colours = [_colour_arg(a) for a in args if not a.endswith("p")]  # `red:20p` positions are skipped
    if len(colours) > 8:
        raise invalid("tint parameters", raw)
    return Tint(equalize, amount, tuple(colours or [Colour(255, 0, 0)]))


_OUTLINE_WIDTH, _OUTLINE_BLUR = LevelArg(1, 100, 5), LevelArg(0, 2000, 0)


def _outline(name: str, raw: str, args: list[str]) -> EffectArgs:
    mode = "both"  # Cloudinary's default: inner and outer
    if args and args[0] in ("inner", "outer", "inner_fill", "fill"):
        mode, args = args[0], args[1:]
    width, blur = _OUTLINE_WIDTH.parse(name, _given(args, 0)), _OUTLINE_BLUR.parse(name, _given(args, 1))
    if len(args) > 2:
        raise invalid("outline parameters", raw)
    return Outline(mode, width, blur)


_CARTOON_LEVEL = LevelArg(0, 100, 50)


def _cartoonify(name: str, raw: str, args: list[str]) -> EffectArgs:
    line = _CARTOON_LEVEL.parse(name, _given(args, 0))
    second = _given(args, 1)
    reduction: float | str = "bw" if second == "bw" else _CARTOON_LEVEL.parse(name, second)
    if len(args) > 2:
        raise invalid("cartoonify parameters", raw)
    return Cartoonify(line, reduction)


_TRIM_TOLERANCE = LevelArg(0, 100, 10)


def _trim(name: str, raw: str, args: list[str]) -> EffectArgs:
    if len(args) > 2:
        raise invalid(f"{name} parameters", raw)
    colour = _arg(args, 1)
    return Trim(_TRIM_TOLERANCE.parse(name, _arg(args, 0)), _colour_arg(colour) if colour is not None else None)


_REPLACE_TOLERANCE = LevelArg(0, 100, 50)


def _replace_color(name: str, raw: str, args: list[str]) -> EffectArgs:
    if not args or not args[0]:
        raise invalid("replace_color parameters", raw)
    target = _colour_arg(args[0])
    tolerance = _REPLACE_TOLERANCE.parse(name, _given(args, 1))
    source = _colour_arg(args[2]) if len(args) > 2 else None
    if len(args) > 3:
        raise invalid("replace_color parameters", raw)
    return ReplaceColor(target, tolerance, source)


_COLORBLIND = ChoiceArg(("deuteranopia", "protanopia", "tritanopia", "tritanomaly", "deuteranomaly",
                         "cone_monochromacy", "rod_monochromacy"), "deuteranopia")


def _colorblind(name: str, raw: str, args: list[str]) -> EffectArgs:
    if len(args) > 1:
        raise invalid(f"{name} parameters", raw)
    return Colorblind(_COLORBLIND.parse(name, _arg(args, 0)))


@dataclass(frozen=True, slots=True)
class EffectSpec:
    parse: ArgsParser
    record: type  # the EffectArgs record `parse` yields: what the pipeline's step for it reads
    doc: str
    partial: str = ""  # how it differs from Cloudinary, for the support table


def _levelled(low: float, high: float, default: float, doc: str, partial: str = "") -> EffectSpec:
    return EffectSpec(_level(low, high, default), Level, doc, partial)


def _plain(doc: str) -> EffectSpec:
    return EffectSpec(_none, NoArgs, doc)


EFFECTS: dict[str, EffectSpec] = {
    "grayscale": _plain("Grey levels."),
    "blackwhite": _levelled(0, 100, 50, "Black and white by a threshold (0-100, default 50)."),
    "sepia": _levelled(1, 100, 80, "Sepia tone (1-100, default 80): a warm brown for every input colour."),
    "negate": _plain("Negative image."),
    "brightness": _levelled(-99, 100, 80, "Brightness (-99..100, default 80)."),
    "contrast": _levelled(-100, 100, 0, "Contrast (-100..100, default 0)."),
    "saturation": _levelled(-100, 100, 80, "Colour saturation (-100..100, default 80)."),
    "hue": _levelled(-100, 100, 80, "Hue rotation (-100..100 = -180..180 degrees, default 80)."),
    "gamma": _levelled(-50, 150, 0, "Gamma (-50..150, default 0)."),
    "vibrance": _levelled(-100, 100, 20, "Saturation weighted towards the less saturated colours (-100..100, default 20)."),
    "tint": EffectSpec(_tint, Tint, "Blend with colours: [equalize:]amount(0-100, 60):colour[:pos]...",
                       "gradient positions are spread evenly; the given positions are ignored"),
    "colorize": _levelled(0, 100, 100, "Blend with the co_ colour (0-100, default 100; colour default grey).",
                          "keeps each pixel's lightness (hue and chroma from the colour)"),
    "red": _levelled(-100, 100, 0, "Red channel level (-100..100)."),
    "green": _levelled(-100, 100, 0, "Green channel level (-100..100)."),
    "blue": _levelled(-100, 100, 0, "Blue channel level (-100..100)."),
    "auto_brightness": _levelled(0, 100, 100, "Stretch the lightness to the full range, blended (0-100, default 100)."),
    "auto_contrast": _levelled(0, 100, 100, "Stretch each channel's 1%-99% range, blended (0-100, default 100).",
                               "percentile stretch, not Cloudinary's exact curve"),
    "auto_color": _levelled(0, 100, 100, "Grey-world colour balance, blended (0-100, default 100).", "grey-world balance"),
    "improve": EffectSpec(_mode_and_level("outdoor", ("indoor", "outdoor"), LevelArg(0, 100, 100)), ModeLevel,
                          "[indoor|outdoor:]blend(0-100, default 100): auto colour + contrast.",
                          "auto colour then auto contrast; indoor/outdoor accepted, same result"),
    "sharpen": _levelled(1, 2000, 100, "Sharpen (1-2000, default 100)."),
    "unsharp_mask": _levelled(1, 2000, 100, "Unsharp mask (1-2000, default 100)."),
    "blur": _levelled(1, 2000, 100, "Gaussian blur (1-2000, default 100)."),
    "blur_region": _levelled(1, 2000, 100, "Blur the x,y,w,h region (whole image without one)."),
    "blur_faces": _levelled(1, 2000, 500, "Blur the detected faces (1-2000, default 500)."),
    "pixelate": _levelled(1, 200, 5, "Pixelate with squares of N px (1-200, default 5)."),
    "pixelate_region": _levelled(1, 200, 5, "Pixelate the x,y,w,h region (squares 1-200, default 5)."),
    "pixelate_faces": _levelled(1, 200, 5, "Pixelate the detected faces (squares 1-200, default 5)."),
    "vignette": _levelled(0, 100, 20, "Darken the edges (0-100, default 20)."),
    "gradient_fade": EffectSpec(_mode_and_level("linear", ("symmetric", "symmetric_pad"), LevelArg(0, 100, 20)), ModeLevel,
                                "[symmetric|symmetric_pad:]strength(0-100, 20): fade to transparent (x/y: direction).",
                                "x_/y_ choose the direction only by sign"),
    "noise": _levelled(0, 100, 0, "Add noise (0-100)."),
    "oil_paint": _levelled(0, 100, 30, "Oil painting (0-100, default 30).", "median-filter approximation"),
    "cartoonify": EffectSpec(_cartoonify, Cartoonify,
                             "Cartoon: line strength (0-100, 50), colour reduction (0-100 or bw, 50)."),
    "outline": EffectSpec(_outline, Outline,
                          "Outline of the alpha shape: [inner|outer|inner_fill|fill:]width(1-100, 5):blur(0-2000, 0); co_ colour."),
    "shadow": _levelled(0, 100, 40, "Drop shadow (0-100, default 40); co_ colour, x_/y_ offset.",
                        "shadow of the image's alpha shape, fixed softness"),
    "trim": EffectSpec(_trim, Trim, "Trim the border colour (tolerance 0-100, default 10; colour default the top-left pixel)."),
    "make_transparent": _levelled(0, 100, 10, "Make the co_ colour (default: the top-left pixel) transparent within a tolerance."),
    "replace_color": EffectSpec(_replace_color, ReplaceColor, "replace_color:to[:tolerance(50)][:from]",
                                "without a from colour, the most common saturated colour is replaced"),
    "ordered_dither": _levelled(0, 18, 0, "Ordered dither (0-18).", "one Bayer threshold map per level range"),
    "simulate_colorblind": EffectSpec(_colorblind, Colorblind, "Simulate colour blindness."),
    # Blend modes of a layer, given in its fl_layer_apply component.
    "overlay": _plain("Layer blend mode: overlay."),
    "multiply": _plain("Layer blend mode: multiply."),
    "screen": _plain("Layer blend mode: screen."),
    "mask": _plain("Layer as a mask: keep the base where the layer is opaque."),
    "anti_removal": _levelled(0, 100, 50, "Layer blend mode that distorts the overlay slightly.", "drawn as a plain overlay"),
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
        if tokens and tokens[-1] == "rgb" and HEX.fullmatch(part):
            tokens[-1] = f"rgb:{part}"
        else:
            tokens.append(part)
    return tokens


def parse_effect(raw: str) -> Effect:
    name, *args = _effect_tokens(raw)
    if name in UNSUPPORTED_EFFECTS:
        raise InvalidTransformation(f"Unsupported effect - {name} ({UNSUPPORTED_EFFECTS[name]})")
    spec = EFFECTS.get(name)
    if spec is None:
        raise invalid("effect", name)
    return Effect(name, spec.parse(name, raw, args))
