"""Layer planning (`l_`/`u_` ... `fl_layer_apply`): the layer's own plan, where it sits on the base,
its blend, and the canvas growth when it overflows. PURE."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.chain import Chain, Transformation
from edge.grammar.values import CropMode, Dimension, Gravity
from edge.imaging.ops import Box, Layer, Pad
from edge.imaging.plan.context import Plan, PlanContext
from edge.imaging.plan.crop_modes import anchored
from edge.imaging.plan.faces import faces_box

BLEND_EFFECTS = ("multiply", "screen", "overlay", "mask", "anti_removal")
MAX_LAYER_DEPTH = 4


def layer_key(t: Transformation) -> str:
    """How a layer's source is named in PlanContext.layers and in the render's source images."""
    source = t.overlay or t.underlay
    assert source is not None
    if source.public_id is not None:
        return source.public_id
    return f"text:{t.colour}:{t.background}:{source.key}"


def text_wrap_width(t: Transformation) -> int | None:
    """A text layer with c_fit and a pixel width wraps its text at that width (Cloudinary's
    captions) instead of scaling the drawn text."""
    source = t.overlay or t.underlay
    if source is None or source.text is None or t.crop is not CropMode.FIT or t.width is None or t.width.relative:
        return None
    return max(1, round(t.width.value))


def layer_end(components: Sequence[Transformation], start: int) -> int:
    """The fl_layer_apply component that closes the layer opened at `start` (itself if none)."""
    for index in range(start + 1, len(components)):
        t = components[index]
        if "layer_apply" in t.flags:
            return index
        if t.overlay is not None or t.underlay is not None:
            break
    return start


def overflow(layer: Layer, size: tuple[int, int], width: int, height: int, group: Sequence[Transformation]) -> Pad | None:
    """Cloudinary extends the canvas to hold a layer placed partly outside it (unless
    fl_no_overflow, a tiled layer, or a blend that cuts the base)."""
    flags = frozenset().union(*(t.flags for t in group))
    if "no_overflow" in flags or "text_disallow_overflow" in flags or layer.tiled or layer.blend in ("mask", "cutter"):
        return None
    left, top = min(0, layer.left), min(0, layer.top)
    right, bottom = max(width, layer.left + size[0]), max(height, layer.top + size[1])
    if (left, top, right, bottom) == (0, 0, width, height):
        return None
    return Pad(right - left, bottom - top, -left, -top, None)


# How a layer's own chain is planned: the planning loop itself (passed in, so that this module
# does not import the loop that imports it).
PlanChain = Callable[[Chain, int, int, int, PlanContext], Plan]


def plan_layer(group: Sequence[Transformation], base_w: int, base_h: int, max_dimension: int,
               context: PlanContext, faces: tuple[Box, ...], plan: PlanChain) -> tuple[Layer, tuple[int, int]]:
    """The Layer op for `group` (the l_/u_ component up to its fl_layer_apply) and its planned size."""
    if context.depth >= MAX_LAYER_DEPTH:
        raise InvalidTransformation("Too many nested layers")
    first = group[0]
    key = layer_key(first)
    if key not in context.layers:
        raise InvalidTransformation(f"Layer not loaded - {key}")
    lw, lh = context.layers[key]
    blend_effect = (lambda t: t.effect.name if t.effect and t.effect.name in BLEND_EFFECTS else None)
    text = (first.overlay or first.underlay).text is not None  # type: ignore[union-attr]
    # A text layer's co_/b_ drew the text; an image layer's co_ is for its effect (e_colorize,co_red).
    drawn: dict[str, Any] = {"colour": None, "background": None} if text else {}
    if text_wrap_width(first) is not None:  # the text was wrapped at w_ when drawn: no scaling
        drawn.update(width=None, height=None, crop=None)
    if len(group) == 1:
        apply = first
        inner = [dataclasses.replace(first, overlay=None, underlay=None, gravity=None, x=None, y=None, flags=frozenset(),
                                     opacity=None, effect=None if blend_effect(first) else first.effect, **drawn)]
    else:
        apply = group[-1]
        inner = [dataclasses.replace(first, overlay=None, underlay=None, **drawn), *group[1:-1]]
    flags = apply.flags | first.flags
    if "relative" in flags:
        inner[0] = _relative_to(inner[0], base_w, base_h)
    inner_context = PlanContext(context.layers, (), context.depth + 1, 1, context.tags, context.context, context.inherited)
    sub = plan(Chain(tuple(inner)), lw, lh, max_dimension, inner_context)
    left, top = _place(apply, base_w, base_h, sub.width, sub.height, faces)
    blend = blend_effect(apply) or ("cutter" if "cutter" in flags else "over")
    layer = Layer(key, sub.ops, left, top, blend, apply.opacity if apply.opacity is not None else 100,
                  "tiled" in flags, underlay=first.underlay is not None)
    return layer, (sub.width, sub.height)


def _relative_to(t: Transformation, base_w: int, base_h: int) -> Transformation:
    """fl_relative: a decimal w/h is a fraction of the base image, not of the layer."""
    def absolute(d: Dimension | None, base: int) -> Dimension | None:
        return Dimension(max(1, round(d.value * base))) if d is not None and d.relative else d

    return dataclasses.replace(t, width=absolute(t.width, base_w), height=absolute(t.height, base_h))


def _place(apply: Transformation, base_w: int, base_h: int, w: int, h: int, faces: tuple[Box, ...]) -> tuple[int, int]:
    """Top-left corner of a w x h layer: at the gravity, x/y inwards from its edge (right/down at the centre)."""
    x = round(apply.x.resolve(base_w)) if apply.x else 0
    y = round(apply.y.resolve(base_h)) if apply.y else 0
    gravity = apply.gravity or Gravity.CENTER
    if gravity.is_face and faces:
        fx, fy, fw, fh = faces_box(faces, gravity)
        return fx + (fw - w) // 2 + x, fy + (fh - h) // 2 + y
    return anchored(gravity, base_w, base_h, w, h, x, y)
