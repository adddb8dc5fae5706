"""The planning loop: (Chain, source size) -> Plan, each component in turn to ops (effects,
shape, rotation), with branches, layers and face boxes handed to their modules. PURE geometry:
no pixels, so every crop mode is testable without images."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from edge.errors import OutputTooLarge
from edge.grammar.chain import Chain, Transformation, resolve
from edge.grammar.effect_args import Outline
from edge.grammar.expressions import assign
from edge.grammar.values import AUTO_LEFT, AUTO_RIGHT, HFLIP, IGNORE, VFLIP, Colour, CropMode
from edge.imaging.ops import SHADOW_BLUR, SHADOW_OFFSET, AddBorder, Box, Filter, Flip, Grow, Op, Opacity, Pad, Resize, Rotate, RoundCorners
from edge.imaging.plan.branches import Branches
from edge.imaging.plan.context import Plan, PlanContext
from edge.imaging.plan.crop_modes import MODES, box_of, complete
from edge.imaging.plan.faces import FACE_MODES, face_crop, track_faces
from edge.imaging.plan.layers import layer_end, overflow, plan_layer

REGION_EFFECTS = ("blur_region", "pixelate_region")
FACE_EFFECTS = ("blur_faces", "pixelate_faces")
# Effects after which the size is known only from the pixels: the render re-plans after them.
BARRIER_EFFECTS = ("trim",)


def is_barrier(t: Transformation) -> bool:
    return t.effect is not None and t.effect.name in BARRIER_EFFECTS and t.overlay is None and t.underlay is None


def make_plan(chain: Chain, width: int, height: int, max_dimension: int, context: PlanContext | None = None) -> Plan:
    """Plan every component in turn on an image of width x height (already EXIF-oriented)."""
    context = context or PlanContext()
    ops: list[Op] = []
    faces = context.faces
    components = chain.components
    variables: dict[str, Any] = {
        "initial_width": width, "initial_height": height, "initial_aspect_ratio": width / height,
        "page_count": context.page_count, "face_count": len(context.faces), "current_page": 1,
        "tags": context.tags, "context": context.context, **context.inherited,
    }
    branches = Branches(components)
    index = 0
    while index < len(components):
        component = components[index]
        variables.update(width=width, height=height, aspect_ratio=width / height)
        if branches.active:  # a component's $variables are set before its own condition is tested
            assign(component, variables)
        if not branches.admit(index, component, variables):
            index += 1
            continue
        component = resolve(component, variables)
        if component.overlay is not None or component.underlay is not None:
            closing = layer_end(components, index)
            group = [component, *components[index + 1 : closing + 1]]
            inherited = {name: value for name, value in variables.items() if name.startswith("$")}
            layer_context = dataclasses.replace(context, inherited=inherited)
            layer, size = plan_layer(group, width, height, max_dimension, layer_context, faces, make_plan)
            grow = overflow(layer, size, width, height, group)
            if grow is not None:
                _check_size(grow, max_dimension)
                faces = track_faces(faces, [grow], width, height)
                layer = dataclasses.replace(layer, left=layer.left + grow.left, top=layer.top + grow.top)
                ops.append(grow)
                width, height = grow.width, grow.height
            ops.append(layer)
            index = closing + 1
            continue
        before = width, height
        component_ops, (width, height) = _plan_component(component, width, height, faces)
        faces = track_faces(faces, component_ops, *before)
        for op in component_ops:
            if isinstance(op, Resize | Pad | Grow):
                _check_size(op, max_dimension)
        ops.extend(component_ops)
        index += 1
    if width > max_dimension or height > max_dimension:
        raise OutputTooLarge(f"Maximum image dimension exceeded - {width}x{height} (max {max_dimension})")
    return Plan(tuple(ops), width, height)


def _check_size(op: Resize | Pad | Grow, max_dimension: int) -> None:
    if op.width > max_dimension or op.height > max_dimension:
        raise OutputTooLarge(f"Maximum image dimension exceeded - {op.width}x{op.height} (max {max_dimension})")


def _plan_component(t: Transformation, cw: int, ch: int, faces: tuple[Box, ...] = ()) -> tuple[list[Op], tuple[int, int]]:
    ops: list[Op] = []
    region_effect = t.effect is not None and t.effect.name in REGION_EFFECTS
    box = (None, None) if region_effect else box_of(t, cw, ch)
    for step in t.angle or ():
        if step in (AUTO_RIGHT, AUTO_LEFT) and box != (None, None):
            bw, bh = complete(box, cw, ch, CropMode.SCALE)
            if (bw > bh) != (cw > ch) and bw != bh and cw != ch:
                ops.append(Rotate(90 if step == AUTO_RIGHT else 270, None))
                cw, ch = ch, cw
                faces = ()
    mode = t.crop or (CropMode.SCALE if box != (None, None) else None)
    if mode is not None:
        if "ignore_aspect_ratio" in t.flags:  # the missing side keeps its length instead of the ratio
            box = (box[0] if box[0] is not None else cw, box[1] if box[1] is not None else ch)
        w, h = complete(box, cw, ch, mode)
        before = cw, ch
        if t.gravity is not None and t.gravity.is_face and mode in FACE_MODES:
            mode_ops, (cw, ch) = face_crop(t, mode, cw, ch, w, h, faces)
        else:
            mode_ops, (cw, ch) = MODES[mode](t, cw, ch, w, h)
        faces = track_faces(faces, mode_ops, *before)
        ops += mode_ops
    if t.effect is not None:
        effect_ops, (cw, ch) = _plan_effect(t, cw, ch, faces)
        ops += effect_ops
    if t.radius is not None:
        ops.append(RoundCorners(t.radius.corners, t.radius.max, t.background if isinstance(t.background, Colour) else None))
    if t.border is not None:
        radii, ellipse = (t.radius.corners, t.radius.max) if t.radius else ((0.0, 0.0, 0.0, 0.0), False)
        ops.append(AddBorder(t.border.width, t.border.colour, radii, ellipse))
        cw, ch = cw + 2 * t.border.width, ch + 2 * t.border.width
    for step in t.angle or ():
        if step in (AUTO_RIGHT, AUTO_LEFT, IGNORE):
            continue
        if step == HFLIP or step == VFLIP:
            ops.append(Flip(horizontal=step == HFLIP))
            continue
        degrees = float(step) % 360
        if degrees == 0:
            continue
        ops.append(Rotate(degrees, t.background if isinstance(t.background, Colour) else None))
        cw, ch = _rotated_size(cw, ch, degrees)
    if t.opacity is not None and t.opacity < 100:
        ops.append(Opacity(t.opacity))
    return ops, (cw, ch)


def _plan_effect(t: Transformation, cw: int, ch: int, faces: tuple[Box, ...]) -> tuple[list[Op], tuple[int, int]]:
    effect = t.effect
    assert effect is not None
    x = round(t.x.resolve(cw)) if t.x else 0
    y = round(t.y.resolve(ch)) if t.y else 0
    if effect.name in REGION_EFFECTS:
        if t.width is None and t.height is None:
            return [Filter(effect, t.colour)], (cw, ch)
        w = round(t.width.resolve(cw)) if t.width else cw
        h = round(t.height.resolve(ch)) if t.height else ch
        left, top = max(0, x), max(0, y)
        w, h = min(w, cw - left), min(h, ch - top)
        regions = (Box(left, top, w, h),) if w > 0 and h > 0 else ()
        return [Filter(effect, t.colour, regions, whole_image=False)], (cw, ch)
    if effect.name in FACE_EFFECTS:
        return [Filter(effect, t.colour, faces, whole_image=False)], (cw, ch)
    if effect.name == "shadow":
        x, y = (x, y) if (t.x or t.y) else (SHADOW_OFFSET, SHADOW_OFFSET)
        spread = SHADOW_BLUR * 2
        grow = Grow(cw + abs(x) + 2 * spread, ch + abs(y) + 2 * spread, spread + max(0, -x), spread + max(0, -y))
        return [grow, Filter(effect, t.colour, offset=(x, y))], (grow.width, grow.height)
    if effect.name == "outline":
        outline = effect.args_as(Outline)
        margin = math.ceil(outline.width + outline.blur / 10)
        grow = Grow(cw + 2 * margin, ch + 2 * margin, margin, margin)
        return [grow, Filter(effect, t.colour)], (grow.width, grow.height)
    return [Filter(effect, t.colour, offset=(x, y))], (cw, ch)


def _rotated_size(w: int, h: int, degrees: float) -> tuple[int, int]:
    if degrees in (90, 270):
        return h, w
    if degrees == 180:
        return w, h
    r = math.radians(degrees)
    c, s = abs(math.cos(r)), abs(math.sin(r))
    return max(1, round(w * c + h * s)), max(1, round(w * s + h * c))
