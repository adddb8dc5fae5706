"""PURE geometry: (Chain, source size) -> Plan. No pixels, so every crop mode is testable without images.

The crop modes follow Cloudinary's documented semantics (image_resize_modes,
image_crop_modes, image_padding_modes):
  scale   exact box, may distort; one dimension keeps the aspect ratio
  fit     largest size inside the box, aspect kept (up or down)
  limit   fit, but never up;          mfit  fit, but never down
  fill    cover the box, crop the overflow at the gravity (up or down)
  lfill   fill if that scales down; otherwise no scaling, crop to min(box, image)
  pad     fit, then pad to the box at the gravity
  lpad    pad, but never scale up;    mpad  no scaling; pad when the image fits in the box
  crop    extract the box at the gravity (x/y offsets from the gravity's corner), no scaling
  thumb   as fill; with a face gravity, a region around the face(s) (scaled by z_) is cut,
          then scaled to the box
  auto    fill with automatic gravity unless one is given
  fill_pad  (g_auto only) fill, but scale down at most 1.25x past "fit" and pad the rest:
          enough padding to avoid a bad crop, as Cloudinary describes it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.errors import InvalidTransformation, OutputTooLarge
from edge.grammar.chain import Chain, Transformation
from edge.grammar.expressions import assign, holds, resolve
from edge.grammar.values import AUTO_LEFT, AUTO_RIGHT, HFLIP, IGNORE, VFLIP, Colour, CropMode, Dimension, Gravity
from edge.imaging.ops import (
    SHADOW_BLUR,
    SHADOW_OFFSET,
    AddBorder,
    Box,
    Crop,
    Filter,
    Flip,
    Grow,
    Layer,
    Op,
    Opacity,
    Pad,
    Resize,
    Rotate,
    RoundCorners,
    SmartCrop,
)

FILL_PAD_MAX_OVERSCALE = 1.25
THUMB_FACE_MARGIN = 1.6  # c_thumb,g_face at z_1: the cut region is this much larger than the face(s)
REGION_EFFECTS = ("blur_region", "pixelate_region")
FACE_EFFECTS = ("blur_faces", "pixelate_faces")
BLEND_EFFECTS = ("multiply", "screen", "overlay", "mask", "anti_removal")
# Effects after which the size is known only from the pixels: the render re-plans after them.
BARRIER_EFFECTS = ("trim",)
MAX_LAYER_DEPTH = 4


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What planning needs beyond the chain: layer sizes (by layer_key) and detected faces."""

    layers: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    faces: tuple[Box, ...] = ()
    depth: int = 0
    page_count: int = 1
    tags: tuple[str, ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)
    inherited: Mapping[str, Any] = field(default_factory=dict)  # user $variables of the enclosing chain (layers)


@dataclass(frozen=True, slots=True)
class Plan:
    ops: tuple[Op, ...]
    width: int
    height: int


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
    branches = _Branches(components)
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
            closing = _closing(components, index)
            group = [component, *components[index + 1 : closing + 1]]
            inherited = {name: value for name, value in variables.items() if name.startswith("$")}
            layer_context = dataclasses.replace(context, inherited=inherited)
            layer, size = _plan_layer(group, width, height, max_dimension, layer_context, faces)
            grow = _overflow(layer, size, width, height, group)
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


class _Branches:
    """if_<cond> ... [if_else ...] if_end, nested. An `if_` component opens a block when an
    if_end closes it (its own other parameters apply when it holds); without one, only its
    own component is conditional (`if_ar_gt_1,w_500`). An if_else may carry parameters too."""

    def __init__(self, components: Sequence[Transformation]) -> None:
        self.stack: list[tuple[bool, bool]] = []  # (enclosing branch active, this branch held)
        self.blocks: set[int] = set()
        opened: list[int] = []
        for index, t in enumerate(components):
            kind = t.condition[0] if t.condition else None
            if kind == "if":
                opened.append(index)
            elif kind == "end" and opened:
                self.blocks.add(opened.pop())

    @property
    def active(self) -> bool:
        return all(parent and held for parent, held in self.stack)

    def admit(self, index: int, t: Transformation, variables: Mapping[str, Any]) -> bool:
        condition = t.condition
        if condition is None:
            return self.active
        alone = dataclasses.replace(t, condition=None) == Transformation()
        if condition[0] == "else":
            if not self.stack:
                raise InvalidTransformation("if_else without if")
            parent, held = self.stack[-1]
            self.stack[-1] = (parent, not held)
            return self.active and not alone
        if condition[0] == "end":
            if not self.stack:
                raise InvalidTransformation("if_end without if")
            self.stack.pop()
            return self.active and not alone
        held = self.active and holds(condition[1], variables)
        if index in self.blocks:
            self.stack.append((self.active, held))
        return held and not alone


def _check_size(op: Resize | Pad | Grow, max_dimension: int) -> None:
    if op.width > max_dimension or op.height > max_dimension:
        raise OutputTooLarge(f"Maximum image dimension exceeded - {op.width}x{op.height} (max {max_dimension})")


def _closing(components: Sequence[Transformation], start: int) -> int:
    """The fl_layer_apply component that closes the layer opened at `start` (itself if none)."""
    for index in range(start + 1, len(components)):
        t = components[index]
        if "layer_apply" in t.flags:
            return index
        if t.overlay is not None or t.underlay is not None:
            break
    return start


def _overflow(layer: Layer, size: tuple[int, int], width: int, height: int, group: Sequence[Transformation]) -> Pad | None:
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


def _plan_layer(group: Sequence[Transformation], base_w: int, base_h: int, max_dimension: int,
                context: PlanContext, faces: tuple[Box, ...]) -> tuple[Layer, tuple[int, int]]:
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
    sub = make_plan(Chain(tuple(inner)), lw, lh, max_dimension, inner_context)
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
        fx, fy, fw, fh = _faces_box(faces, gravity)
        return fx + (fw - w) // 2 + x, fy + (fh - h) // 2 + y
    ax, ay = gravity.anchor
    left = round((base_w - w) * ax) + (-x if ax == 1 else x)
    top = round((base_h - h) * ay) + (-y if ay == 1 else y)
    return left, top


def _plan_component(t: Transformation, cw: int, ch: int, faces: tuple[Box, ...] = ()) -> tuple[list[Op], tuple[int, int]]:
    ops: list[Op] = []
    region_effect = t.effect is not None and t.effect.name in REGION_EFFECTS
    box = (None, None) if region_effect else _box(t, cw, ch)
    for step in t.angle or ():
        if step in (AUTO_RIGHT, AUTO_LEFT) and box != (None, None):
            bw, bh = _complete(box, cw, ch, CropMode.SCALE)
            if (bw > bh) != (cw > ch) and bw != bh and cw != ch:
                ops.append(Rotate(90 if step == AUTO_RIGHT else 270, None))
                cw, ch = ch, cw
                faces = ()
    mode = t.crop or (CropMode.SCALE if box != (None, None) else None)
    if mode is not None:
        if "ignore_aspect_ratio" in t.flags:  # the missing side keeps its length instead of the ratio
            box = (box[0] if box[0] is not None else cw, box[1] if box[1] is not None else ch)
        w, h = _complete(box, cw, ch, mode)
        before = cw, ch
        if t.gravity is not None and t.gravity.is_face and mode in _FACE_MODES:
            mode_ops, (cw, ch) = _face_crop(t, mode, cw, ch, w, h, faces)
        else:
            mode_ops, (cw, ch) = _MODES[mode](t, cw, ch, w, h)
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
        _, width, blur = effect.args
        margin = math.ceil(float(width) + float(blur) / 10)  # type: ignore[arg-type]
        grow = Grow(cw + 2 * margin, ch + 2 * margin, margin, margin)
        return [grow, Filter(effect, t.colour)], (grow.width, grow.height)
    return [Filter(effect, t.colour, offset=(x, y))], (cw, ch)



# --- faces -----------------------------------------------------------------------------------

def _faces_box(faces: tuple[Box, ...], gravity: Gravity) -> tuple[int, int, int, int]:
    """The box to keep: the largest face, or (faces gravities) the union of all of them."""
    if gravity in (Gravity.FACES, Gravity.FACES_CENTER, Gravity.AUTO_FACES):
        left, top = min(f.left for f in faces), min(f.top for f in faces)
        right, bottom = max(f.left + f.width for f in faces), max(f.top + f.height for f in faces)
        return left, top, right - left, bottom - top
    face = max(faces, key=lambda f: f.width * f.height)
    return face.left, face.top, face.width, face.height


def _centred(centre: float, size: int, limit: int) -> int:
    return int(min(max(0, round(centre - size / 2)), max(0, limit - size)))


def _face_crop(t: Transformation, mode: CropMode, cw: int, ch: int, w: int, h: int,
               faces: tuple[Box, ...]) -> tuple[list[Op], tuple[int, int]]:
    gravity = t.gravity
    assert gravity is not None
    if not faces:  # Cloudinary: no face found -> centre (g_auto for the auto:face gravities)
        fallback = Gravity.AUTO if gravity in (Gravity.AUTO_FACE, Gravity.AUTO_FACES) else Gravity.CENTER
        return _MODES[mode](dataclasses.replace(t, gravity=fallback), cw, ch, w, h)
    fx, fy, fw, fh = _faces_box(faces, gravity)
    zoom = t.zoom or 1.0
    if mode is CropMode.THUMB:
        ratio = w / h
        rw = max(fw * THUMB_FACE_MARGIN, fh * THUMB_FACE_MARGIN * ratio) / zoom
        rw = max(rw, min(w, cw, ch * ratio))  # never cut less than the box when the image allows it
        rw = min(rw, cw, ch * ratio)
        rh = rw / ratio
        rw, rh = max(1, round(rw)), max(1, round(rh))
        left, top = _centred(fx + fw / 2, rw, cw), _centred(fy + fh / 2, rh, ch)
        ops: list[Op] = [Crop(left, top, rw, rh)] if (rw, rh) != (cw, ch) else []
        return ops + _resize_ops(rw, rh, w, h), (w, h)
    if mode is CropMode.CROP:
        rw, rh = min(cw, max(1, round(w / zoom))), min(ch, max(1, round(h / zoom)))
        left, top = _centred(fx + fw / 2, rw, cw), _centred(fy + fh / 2, rh, ch)
        ops = [Crop(left, top, rw, rh)] if (rw, rh) != (cw, ch) else []
        if zoom != 1.0:
            return ops + _resize_ops(rw, rh, w, h), (w, h)
        return ops, (rw, rh)
    # fill-like modes: cover the box, keep the face(s) in the middle of what is cut.
    scale = max(w / cw, h / ch)
    rw, rh = _scaled(cw, ch, scale)
    rw, rh = max(rw, w), max(rh, h)
    kw, kh = min(w, rw), min(h, rh)
    left = _centred((fx + fw / 2) * rw / cw, kw, rw)
    top = _centred((fy + fh / 2) * rh / ch, kh, rh)
    crop = [Crop(left, top, kw, kh)] if (kw, kh) != (rw, rh) else []
    return _resize_ops(cw, ch, rw, rh) + crop, (kw, kh)


_FACE_MODES = (CropMode.FILL, CropMode.LFILL, CropMode.THUMB, CropMode.CROP, CropMode.AUTO, CropMode.FILL_PAD)


def track_faces(faces: tuple[Box, ...], ops: Sequence[Op], cw: int, ch: int) -> tuple[Box, ...]:
    """Follow face boxes through geometry ops (pure), so later components can still use them."""
    if not faces:
        return faces
    size = [cw, ch]
    for op in ops:
        if isinstance(op, Resize):
            faces = tuple(_scale_box(f, op.width / size[0], op.height / size[1]) for f in faces) if size[0] else ()
            size = [op.width, op.height]
        elif isinstance(op, Crop):
            faces = _clip(tuple(Box(f.left - op.left, f.top - op.top, f.width, f.height) for f in faces), op.width, op.height)
            size = [op.width, op.height]
        elif isinstance(op, Pad | Grow):
            faces = tuple(Box(f.left + op.left, f.top + op.top, f.width, f.height) for f in faces)
            size = [op.width, op.height]
        elif isinstance(op, AddBorder):
            faces = tuple(Box(f.left + op.width, f.top + op.width, f.width, f.height) for f in faces)
        elif isinstance(op, Rotate | Flip | SmartCrop):
            return ()
    return faces


def _scale_box(f: Box, sx: float, sy: float) -> Box:
    return Box(round(f.left * sx), round(f.top * sy), max(1, round(f.width * sx)), max(1, round(f.height * sy)))


def _clip(faces: tuple[Box, ...], w: int, h: int) -> tuple[Box, ...]:
    kept = []
    for f in faces:
        left, top = max(0, f.left), max(0, f.top)
        right, bottom = min(w, f.left + f.width), min(h, f.top + f.height)
        if right > left and bottom > top:
            kept.append(Box(left, top, right - left, bottom - top))
    return tuple(kept)


def _box(t: Transformation, cw: int, ch: int) -> tuple[float | None, float | None]:
    """The requested width/height in pixels (relative values resolved, ar and dpr applied)."""
    w = t.width.resolve(cw) if t.width else None
    h = t.height.resolve(ch) if t.height else None
    if t.aspect_ratio:
        if w is not None and h is None:
            h = w / t.aspect_ratio
        elif h is not None and w is None:
            w = h * t.aspect_ratio
        elif w is None and h is None:
            # Only ar: keep the side that fits, shorten the other (Cloudinary: "the original
            # width is maintained and the height is cropped" when ar > 1).
            w, h = (ch * t.aspect_ratio, ch) if cw / ch > t.aspect_ratio else (cw, cw / t.aspect_ratio)
    if t.dpr:
        w = w * t.dpr if w is not None else None
        h = h * t.dpr if h is not None else None
    return w, h


def _complete(box: tuple[float | None, float | None], cw: int, ch: int, mode: CropMode) -> tuple[int, int]:
    """Fill a missing dimension from the current aspect ratio ("supported for all modes")."""
    w, h = box
    if w is None and h is None:
        w, h = cw, ch
    elif w is None:
        w = cw * h / ch  # type: ignore[operator]
    elif h is None:
        h = ch * w / cw
    return max(1, round(w)), max(1, round(h))  # type: ignore[arg-type]


def _scaled(cw: int, ch: int, scale: float) -> tuple[int, int]:
    return max(1, round(cw * scale)), max(1, round(ch * scale))


def _resize_ops(cw: int, ch: int, w: int, h: int) -> list[Op]:
    return [] if (w, h) == (cw, ch) else [Resize(w, h)]


def _scale(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _resize_ops(cw, ch, w, h), (w, h)


def _fit_scale(cw: int, ch: int, w: int, h: int) -> float:
    return min(w / cw, h / ch)


def _fit(t: Transformation, cw: int, ch: int, w: int, h: int, *, clamp: tuple[float, float] = (0, float("inf"))) -> tuple[list[Op], tuple[int, int]]:
    scale = min(max(_fit_scale(cw, ch, w, h), clamp[0]), clamp[1])
    size = _scaled(cw, ch, scale) if scale != 1 else (cw, ch)
    return _resize_ops(cw, ch, *size), size


def _limit(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fit(t, cw, ch, w, h, clamp=(0, 1))


def _mfit(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fit(t, cw, ch, w, h, clamp=(1, float("inf")))


def _crop_to(t: Transformation, cw: int, ch: int, w: int, h: int, default: Gravity = Gravity.CENTER) -> list[Op]:
    """Cut a w x h region out of a cw x ch image at the gravity (no-op when it already fits)."""
    w, h = min(w, cw), min(h, ch)
    if (w, h) == (cw, ch):
        return []
    gravity = t.gravity or default
    if gravity is Gravity.AUTO:
        return [SmartCrop(w, h)]
    ax, ay = gravity.anchor
    return [Crop(round((cw - w) * ax), round((ch - h) * ay), w, h)]


def _fill(t: Transformation, cw: int, ch: int, w: int, h: int, default: Gravity = Gravity.CENTER) -> tuple[list[Op], tuple[int, int]]:
    scale = max(w / cw, h / ch)
    rw, rh = _scaled(cw, ch, scale)
    rw, rh = max(rw, w), max(rh, h)  # rounding must never leave the box uncovered
    return _resize_ops(cw, ch, rw, rh) + _crop_to(t, rw, rh, w, h, default), (w, h)


def _auto(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fill(t, cw, ch, w, h, default=Gravity.AUTO)


def _lfill(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if max(w / cw, h / ch) <= 1:
        return _fill(t, cw, ch, w, h)
    kept = min(w, cw), min(h, ch)
    return _crop_to(t, cw, ch, *kept), kept


def _pad_to(t: Transformation, iw: int, ih: int, w: int, h: int) -> list[Op]:
    if (iw, ih) == (w, h):
        return []
    ax, ay = (t.gravity or Gravity.CENTER).anchor
    return [Pad(w, h, round((w - iw) * ax), round((h - ih) * ay), t.background)]


def _pad(t: Transformation, cw: int, ch: int, w: int, h: int, *, max_scale: float = float("inf")) -> tuple[list[Op], tuple[int, int]]:
    scale = min(_fit_scale(cw, ch, w, h), max_scale)
    iw, ih = _scaled(cw, ch, scale) if scale != 1 else (cw, ch)
    iw, ih = min(iw, w), min(ih, h)
    return _resize_ops(cw, ch, iw, ih) + _pad_to(t, iw, ih, w, h), (w, h)


def _lpad(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _pad(t, cw, ch, w, h, max_scale=1)


def _mpad(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if cw <= w and ch <= h:
        return _pad_to(t, cw, ch, w, h), (w, h)
    return [], (cw, ch)  # larger than the box: delivered unchanged


def _crop(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if t.gravity is Gravity.AUTO:
        ops = _crop_to(t, cw, ch, w, h)
        return ops, (min(w, cw), min(h, ch))
    x = round(t.x.resolve(cw) * (t.dpr or 1)) if t.x else 0
    y = round(t.y.resolve(ch) * (t.dpr or 1)) if t.y else 0
    # x/y alone are the top-left corner; with a gravity, offsets from its corner inwards;
    # with neither, the region is centred (Cloudinary's default gravity).
    default = Gravity.NORTH_WEST if (t.x or t.y) else Gravity.CENTER
    ax, ay = (t.gravity or default).anchor
    left = round((cw - w) * ax) + (-x if ax == 1 else x)
    top = round((ch - h) * ay) + (-y if ay == 1 else y)
    right, bottom = min(cw, left + w), min(ch, top + h)
    left, top = max(0, left), max(0, top)
    if right <= left or bottom <= top:
        raise InvalidTransformation(f"Crop region outside the image - {w}x{h} at {left},{top} of {cw}x{ch}")
    size = right - left, bottom - top
    return ([] if size == (cw, ch) else [Crop(left, top, *size)]), size


def _fill_pad(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if t.gravity is not Gravity.AUTO:
        raise InvalidTransformation("Invalid crop - fill_pad requires g_auto")
    scale = min(max(w / cw, h / ch), _fit_scale(cw, ch, w, h) * FILL_PAD_MAX_OVERSCALE)
    rw, rh = _scaled(cw, ch, scale)
    ops = _resize_ops(cw, ch, rw, rh) + _crop_to(t, rw, rh, w, h)
    kept_w, kept_h = min(rw, w), min(rh, h)
    return ops + _pad_to(t, kept_w, kept_h, w, h), (w, h)


_MODES = {
    CropMode.SCALE: _scale,
    CropMode.FIT: _fit,
    CropMode.LIMIT: _limit,
    CropMode.MFIT: _mfit,
    CropMode.FILL: _fill,
    CropMode.LFILL: _lfill,
    CropMode.PAD: _pad,
    CropMode.LPAD: _lpad,
    CropMode.MPAD: _mpad,
    CropMode.CROP: _crop,
    CropMode.THUMB: _fill,
    CropMode.FILL_PAD: _fill_pad,
    CropMode.AUTO: _auto,
}


def _rotated_size(w: int, h: int, degrees: float) -> tuple[int, int]:
    if degrees in (90, 270):
        return h, w
    if degrees == 180:
        return w, h
    r = math.radians(degrees)
    c, s = abs(math.cos(r)), abs(math.sin(r))
    return max(1, round(w * c + h * s)), max(1, round(w * s + h * c))
