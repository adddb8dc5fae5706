"""The crop-mode table (`c_`): how each mode scales, crops and pads to the requested box. PURE.

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

from edge.errors import InvalidTransformation
from edge.grammar.chain import Transformation
from edge.grammar.values import CropMode, Gravity
from edge.imaging.ops import Crop, Op, Pad, Resize, SmartCrop

FILL_PAD_MAX_OVERSCALE = 1.25


def box_of(t: Transformation, cw: int, ch: int) -> tuple[float | None, float | None]:
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


def complete(box: tuple[float | None, float | None], cw: int, ch: int, mode: CropMode) -> tuple[int, int]:
    """Fill a missing dimension from the current aspect ratio ("supported for all modes")."""
    w, h = box
    if w is None and h is None:
        w, h = cw, ch
    elif w is None:
        w = cw * h / ch  # type: ignore[operator]
    elif h is None:
        h = ch * w / cw
    return max(1, round(w)), max(1, round(h))  # type: ignore[arg-type]


def scaled(cw: int, ch: int, scale: float) -> tuple[int, int]:
    return max(1, round(cw * scale)), max(1, round(ch * scale))


def resize_ops(cw: int, ch: int, w: int, h: int) -> list[Op]:
    return [] if (w, h) == (cw, ch) else [Resize(w, h)]


def anchored(gravity: Gravity, outer_w: int, outer_h: int, w: int, h: int, x: int = 0, y: int = 0) -> tuple[int, int]:
    """Top-left corner of a w x h box placed in an outer_w x outer_h one at a compass gravity,
    moved by x/y inwards from the gravity's edge (right/down from the centre): Cloudinary's rule
    for c_crop offsets and for layers."""
    ax, ay = gravity.anchor
    left = round((outer_w - w) * ax) + (-x if ax == 1 else x)
    top = round((outer_h - h) * ay) + (-y if ay == 1 else y)
    return left, top


def _scale(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return resize_ops(cw, ch, w, h), (w, h)


def _fit_scale(cw: int, ch: int, w: int, h: int) -> float:
    return min(w / cw, h / ch)


def _fit(t: Transformation, cw: int, ch: int, w: int, h: int, *, clamp: tuple[float, float] = (0, float("inf"))) -> tuple[list[Op], tuple[int, int]]:
    scale = min(max(_fit_scale(cw, ch, w, h), clamp[0]), clamp[1])
    size = scaled(cw, ch, scale) if scale != 1 else (cw, ch)
    return resize_ops(cw, ch, *size), size


def _limit(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fit(t, cw, ch, w, h, clamp=(0, 1))


def _mfit(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fit(t, cw, ch, w, h, clamp=(1, float("inf")))


def crop_to(t: Transformation, cw: int, ch: int, w: int, h: int, default: Gravity = Gravity.CENTER) -> list[Op]:
    """Cut a w x h region out of a cw x ch image at the gravity (no-op when it already fits)."""
    w, h = min(w, cw), min(h, ch)
    if (w, h) == (cw, ch):
        return []
    gravity = t.gravity or default
    if gravity is Gravity.AUTO:
        return [SmartCrop(w, h)]
    left, top = anchored(gravity, cw, ch, w, h)
    return [Crop(left, top, w, h)]


def cover(cw: int, ch: int, w: int, h: int) -> tuple[int, int]:
    """The size a cw x ch image scales to so that it covers a w x h box (aspect kept): the first
    half of every fill; the second is cutting the box out of it."""
    rw, rh = scaled(cw, ch, max(w / cw, h / ch))
    return max(rw, w), max(rh, h)  # rounding must never leave the box uncovered


def _fill(t: Transformation, cw: int, ch: int, w: int, h: int, default: Gravity = Gravity.CENTER) -> tuple[list[Op], tuple[int, int]]:
    rw, rh = cover(cw, ch, w, h)
    return resize_ops(cw, ch, rw, rh) + crop_to(t, rw, rh, w, h, default), (w, h)


def _auto(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _fill(t, cw, ch, w, h, default=Gravity.AUTO)


def _lfill(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if max(w / cw, h / ch) <= 1:
        return _fill(t, cw, ch, w, h)
    kept = min(w, cw), min(h, ch)
    return crop_to(t, cw, ch, *kept), kept


def _pad_to(t: Transformation, iw: int, ih: int, w: int, h: int) -> list[Op]:
    if (iw, ih) == (w, h):
        return []
    left, top = anchored(t.gravity or Gravity.CENTER, w, h, iw, ih)
    return [Pad(w, h, left, top, t.background)]


def _pad(t: Transformation, cw: int, ch: int, w: int, h: int, *, max_scale: float = float("inf")) -> tuple[list[Op], tuple[int, int]]:
    scale = min(_fit_scale(cw, ch, w, h), max_scale)
    iw, ih = scaled(cw, ch, scale) if scale != 1 else (cw, ch)
    iw, ih = min(iw, w), min(ih, h)
    return resize_ops(cw, ch, iw, ih) + _pad_to(t, iw, ih, w, h), (w, h)


def _lpad(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    return _pad(t, cw, ch, w, h, max_scale=1)


def _mpad(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if cw <= w and ch <= h:
        return _pad_to(t, cw, ch, w, h), (w, h)
    return [], (cw, ch)  # larger than the box: delivered unchanged


def _crop(t: Transformation, cw: int, ch: int, w: int, h: int) -> tuple[list[Op], tuple[int, int]]:
    if t.gravity is Gravity.AUTO:
        ops = crop_to(t, cw, ch, w, h)
        return ops, (min(w, cw), min(h, ch))
    x = round(t.x.resolve(cw) * (t.dpr or 1)) if t.x else 0
    y = round(t.y.resolve(ch) * (t.dpr or 1)) if t.y else 0
    # x/y alone are the top-left corner; with a gravity, offsets from its corner inwards;
    # with neither, the region is centred (Cloudinary's default gravity).
    default = Gravity.NORTH_WEST if (t.x or t.y) else Gravity.CENTER
    left, top = anchored(t.gravity or default, cw, ch, w, h, x, y)
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
    rw, rh = scaled(cw, ch, scale)
    ops = resize_ops(cw, ch, rw, rh) + crop_to(t, rw, rh, w, h)
    kept_w, kept_h = min(rw, w), min(rh, h)
    return ops + _pad_to(t, kept_w, kept_h, w, h), (w, h)


MODES = {
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
