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
  thumb   as fill (face gravities arrive with the faces issue)
  auto    fill with automatic gravity unless one is given
  fill_pad  (g_auto only) fill, but scale down at most 1.25x past "fit" and pad the rest:
          enough padding to avoid a bad crop, as Cloudinary describes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edge.errors import InvalidTransformation, OutputTooLarge
from edge.grammar.chain import Chain, Transformation
from edge.grammar.values import HFLIP, VFLIP, CropMode, Gravity
from edge.imaging.ops import Crop, Flip, Op, Pad, Resize, Rotate, SmartCrop

FILL_PAD_MAX_OVERSCALE = 1.25


@dataclass(frozen=True, slots=True)
class Plan:
    ops: tuple[Op, ...]
    width: int
    height: int


def make_plan(chain: Chain, width: int, height: int, max_dimension: int) -> Plan:
    """Plan every component in turn on an image of width x height (already EXIF-oriented)."""
    ops: list[Op] = []
    for component in chain.components:
        component_ops, (width, height) = _plan_component(component, width, height)
        for op in component_ops:
            if isinstance(op, Resize | Pad | Rotate):
                _check_size(op, max_dimension)
        ops.extend(component_ops)
    if width > max_dimension or height > max_dimension:
        raise OutputTooLarge(f"Maximum image dimension exceeded - {width}x{height} (max {max_dimension})")
    return Plan(tuple(ops), width, height)


def _check_size(op: Resize | Pad | Rotate, max_dimension: int) -> None:
    if isinstance(op, Rotate):
        return
    if op.width > max_dimension or op.height > max_dimension:
        raise OutputTooLarge(f"Maximum image dimension exceeded - {op.width}x{op.height} (max {max_dimension})")


def _plan_component(t: Transformation, cw: int, ch: int) -> tuple[list[Op], tuple[int, int]]:
    ops: list[Op] = []
    box = _box(t, cw, ch)
    mode = t.crop or (CropMode.SCALE if box != (None, None) else None)
    if mode is not None:
        ops, (cw, ch) = _MODES[mode](t, cw, ch, *_complete(box, cw, ch, mode))
    for step in t.angle or ():
        if step == HFLIP or step == VFLIP:
            ops.append(Flip(horizontal=step == HFLIP))
            continue
        degrees = float(step) % 360
        if degrees == 0:
            continue
        ops.append(Rotate(degrees, t.background))
        cw, ch = _rotated_size(cw, ch, degrees)
    return ops, (cw, ch)


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
