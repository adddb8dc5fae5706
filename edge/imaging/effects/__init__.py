"""The effect steps (`e_<name>`): which function draws each effect and which argument record it
reads, and `apply_filter`, the one entry the pipeline calls. The functions live in colour.py,
detail.py, stylistic.py and alpha.py; band helpers in bands.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyvips

from edge.grammar.effect_args import Cartoonify, Colorblind, Level, ModeLevel, NoArgs, Outline, ReplaceColor, Tint, Trim
from edge.imaging.effects import alpha, colour, detail, stylistic
from edge.imaging.ops import Filter


@dataclass(frozen=True, slots=True)
class EffectStep:
    record: type  # the argument record the function reads (grammar/effects.py must yield this one)
    apply: Callable[[pyvips.Image, Filter], pyvips.Image]


def _layer_only(image: pyvips.Image, op: Filter) -> pyvips.Image:
    return image  # blend modes act when the layer is composed (see layers.compose)


STEPS: dict[str, EffectStep] = {
    "grayscale": EffectStep(NoArgs, colour.grayscale),
    "blackwhite": EffectStep(Level, colour.blackwhite),
    "sepia": EffectStep(Level, colour.sepia),
    "negate": EffectStep(NoArgs, colour.negate),
    "brightness": EffectStep(Level, colour.brightness),
    "contrast": EffectStep(Level, colour.contrast),
    "saturation": EffectStep(Level, colour.saturation),
    "hue": EffectStep(Level, colour.hue),
    "gamma": EffectStep(Level, colour.gamma),
    "vibrance": EffectStep(Level, colour.vibrance),
    "tint": EffectStep(Tint, colour.tint),
    "colorize": EffectStep(Level, colour.colorize),
    "red": EffectStep(Level, colour.channel(0)),
    "green": EffectStep(Level, colour.channel(1)),
    "blue": EffectStep(Level, colour.channel(2)),
    "auto_brightness": EffectStep(Level, colour.auto_brightness),
    "auto_contrast": EffectStep(Level, colour.auto_contrast),
    "auto_color": EffectStep(Level, colour.auto_color),
    "improve": EffectStep(ModeLevel, colour.improve),
    "replace_color": EffectStep(ReplaceColor, colour.replace_color),
    "simulate_colorblind": EffectStep(Colorblind, colour.simulate_colorblind),
    "sharpen": EffectStep(Level, detail.sharpen),
    "unsharp_mask": EffectStep(Level, detail.unsharp_mask),
    "blur": EffectStep(Level, detail.blur),
    "blur_region": EffectStep(Level, detail.blur_region),
    "blur_faces": EffectStep(Level, detail.blur_region),
    "pixelate": EffectStep(Level, detail.pixelate),
    "pixelate_region": EffectStep(Level, detail.pixelate_region),
    "pixelate_faces": EffectStep(Level, detail.pixelate_region),
    "vignette": EffectStep(Level, stylistic.vignette),
    "noise": EffectStep(Level, stylistic.noise),
    "oil_paint": EffectStep(Level, stylistic.oil_paint),
    "cartoonify": EffectStep(Cartoonify, stylistic.cartoonify),
    "ordered_dither": EffectStep(Level, stylistic.ordered_dither),
    "gradient_fade": EffectStep(ModeLevel, alpha.gradient_fade),
    "outline": EffectStep(Outline, alpha.outline),
    "shadow": EffectStep(Level, alpha.shadow),
    "trim": EffectStep(Trim, alpha.trim),
    "make_transparent": EffectStep(Level, alpha.make_transparent),
    "overlay": EffectStep(NoArgs, _layer_only),
    "multiply": EffectStep(NoArgs, _layer_only),
    "screen": EffectStep(NoArgs, _layer_only),
    "mask": EffectStep(NoArgs, _layer_only),
    "anti_removal": EffectStep(Level, _layer_only),
}

# Effects that measure the image (statistics, a corner pixel) read it more than once: they get
# a memory copy rather than the sequential decode pipeline.
_MEASURING = frozenset({"auto_brightness", "auto_contrast", "auto_color", "improve", "trim", "make_transparent",
                        "replace_color", "tint"})


def apply_filter(image: pyvips.Image, op: Filter) -> pyvips.Image:
    step = STEPS[op.effect.name]
    op.effect.args_as(step.record)  # the grammar's record is the one the step reads, or a TypeError
    if op.effect.name in _MEASURING:
        image = image.copy_memory()
    out = step.apply(image, op)
    if out.format != "uchar":
        out = out.cast("uchar")
    return out.copy(interpretation="srgb") if out.interpretation != "srgb" else out


def effect_names() -> frozenset[str]:
    return frozenset(STEPS)
