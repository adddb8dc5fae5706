"""Face boxes in planning: the box a face gravity keeps, the crops that keep it, and following
the boxes through the geometry ops so later components still see them. PURE."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from edge.grammar.chain import Transformation
from edge.grammar.values import CropMode, Gravity
from edge.imaging.ops import AddBorder, Box, Crop, Flip, Grow, Op, Pad, Resize, Rotate, SmartCrop
from edge.imaging.plan.crop_modes import MODES, cover, resize_ops

THUMB_FACE_MARGIN = 1.6  # c_thumb,g_face at z_1: the cut region is this much larger than the face(s)


def faces_box(faces: tuple[Box, ...], gravity: Gravity) -> tuple[int, int, int, int]:
    """The box to keep: the largest face, or (faces gravities) the union of all of them."""
    if gravity in (Gravity.FACES, Gravity.FACES_CENTER, Gravity.AUTO_FACES):
        left, top = min(f.left for f in faces), min(f.top for f in faces)
        right, bottom = max(f.left + f.width for f in faces), max(f.top + f.height for f in faces)
        return left, top, right - left, bottom - top
    face = max(faces, key=lambda f: f.width * f.height)
    return face.left, face.top, face.width, face.height


def _centred(centre: float, size: int, limit: int) -> int:
    return int(min(max(0, round(centre - size / 2)), max(0, limit - size)))


def face_crop(t: Transformation, mode: CropMode, cw: int, ch: int, w: int, h: int,
              faces: tuple[Box, ...]) -> tuple[list[Op], tuple[int, int]]:
    gravity = t.gravity
    assert gravity is not None
    if not faces:  # Cloudinary: no face found -> centre (g_auto for the auto:face gravities)
        fallback = Gravity.AUTO if gravity in (Gravity.AUTO_FACE, Gravity.AUTO_FACES) else Gravity.CENTER
        return MODES[mode](dataclasses.replace(t, gravity=fallback), cw, ch, w, h)
    fx, fy, fw, fh = faces_box(faces, gravity)
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
        return ops + resize_ops(rw, rh, w, h), (w, h)
    if mode is CropMode.CROP:
        rw, rh = min(cw, max(1, round(w / zoom))), min(ch, max(1, round(h / zoom)))
        left, top = _centred(fx + fw / 2, rw, cw), _centred(fy + fh / 2, rh, ch)
        ops = [Crop(left, top, rw, rh)] if (rw, rh) != (cw, ch) else []
        if zoom != 1.0:
            return ops + resize_ops(rw, rh, w, h), (w, h)
        return ops, (rw, rh)
    # fill-like modes: cover the box, keep the face(s) in the middle of what is cut.
    rw, rh = cover(cw, ch, w, h)
    kw, kh = min(w, rw), min(h, rh)
    left = _centred((fx + fw / 2) * rw / cw, kw, rw)
    top = _centred((fy + fh / 2) * rh / ch, kh, rh)
    crop = [Crop(left, top, kw, kh)] if (kw, kh) != (rw, rh) else []
    return resize_ops(cw, ch, rw, rh) + crop, (kw, kh)


FACE_MODES = (CropMode.FILL, CropMode.LFILL, CropMode.THUMB, CropMode.CROP, CropMode.AUTO, CropMode.FILL_PAD)


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
