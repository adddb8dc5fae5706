"""render(): probe -> limits -> plan -> load (shrink-on-load) -> apply each op -> encode. The loop.

Why not `pyvips.Image.thumbnail_buffer`: libvips' thumbnail leaves a factor of at least two
for the final resample (`vips_thumbnail_find_jpegshrink`), so a 4000x3000 JPEG going to
400x300 is decoded at 1000x750. sharp (under ipx) picks the largest JPEG shrink-on-load
factor that still covers the target (8 here, 500x375), which is most of why ipx beats raw
`thumbnail_buffer`. We do the same: libjpeg's DCT scaling to the largest power of two
<= the reduction, then one Lanczos resample to the exact size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pyvips

from edge.errors import InvalidImage, RenderTimeout
from edge.grammar.chain import Chain
from edge.grammar.values import OutputFormat
from edge.imaging.encode import OutputSpec, encode
from edge.imaging.limits import Limits, check
from edge.imaging.ops import Op, Resize
from edge.imaging.plan import make_plan
from edge.imaging.probe import SourceInfo, open_header, probe
from edge.imaging.steps import apply

# Orientations whose correction needs the whole image (rotations, flips): done after resize.
_ORIENTATION_NEEDS_MEMORY = {2, 3, 4, 5, 6, 7, 8}


@dataclass(frozen=True, slots=True)
class Rendered:
    data: bytes
    format: OutputFormat
    width: int
    height: int
    encode_seconds: float  # libvips is lazy: decoding and resampling happen inside the save


class Abort:
    """Lets another thread stop a render: `kill()` flags libvips to abandon the pipeline.

    Cheaper than a progress callback, which would take the GIL on every tile."""

    def __init__(self) -> None:
        self.killed = False
        self._image: pyvips.Image | None = None

    def attach(self, image: pyvips.Image) -> None:
        self._image = image
        if self.killed:
            image.set_kill(True)

    def kill(self) -> None:
        self.killed = True
        if self._image is not None:
            self._image.set_kill(True)


def render(data: bytes, chain: Chain, output: OutputSpec, limits: Limits, abort: Abort | None = None) -> Rendered:
    source = probe(data)
    check(source, limits)
    plan = make_plan(chain, source.width, source.height, limits.max_output_dimension)
    fmt = output.resolve(source.loader, source.is_avif, source.has_alpha)
    ops: tuple[Op, ...] = plan.ops
    first = ops[0] if ops and isinstance(ops[0], Resize) else None
    try:
        image = _to_srgb(load(data, source, first))
        if first is not None:
            ops = ops[1:]
        for op in ops:
            image = apply(image, op, fmt.has_alpha)
        started = time.perf_counter()
        if abort is not None:
            abort.attach(image)
        out = encode(image, fmt, output, chain.last("background"))
    except pyvips.Error as exc:
        if abort is not None and abort.killed:
            raise RenderTimeout("Render took too long") from None
        raise InvalidImage("Unreadable image", detail=str(exc).strip()) from None
    return Rendered(out, fmt, image.width, image.height, time.perf_counter() - started)


def load(data: bytes, source: SourceInfo, target: Resize | None) -> pyvips.Image:
    """Decode (lazily), shrinking on load as far as the target allows, then orient."""
    if target is None:
        return _orient(open_header(data), source.orientation)
    raw_w, raw_h = (target.height, target.width) if source.orientation >= 5 else (target.width, target.height)
    stored_w, stored_h = (source.height, source.width) if source.orientation >= 5 else (source.width, source.height)
    reduction = min(stored_w / raw_w, stored_h / raw_h)
    shrink = _shrink_on_load(reduction)
    options: dict[str, object] = {}
    if shrink > 1 and source.loader == "jpeg":
        options["shrink"] = shrink
    elif shrink > 1 and source.loader == "webp":
        options["scale"] = 1 / shrink
    image = open_header(data, **options)
    if (image.width, image.height) != (raw_w, raw_h):
        image = image.resize(raw_w / image.width, vscale=raw_h / image.height)
        if (image.width, image.height) != (raw_w, raw_h):
            image = image.embed(0, 0, raw_w, raw_h, extend="copy")
    return _orient(image, source.orientation)


def _shrink_on_load(reduction: float) -> int:
    """Largest power of two <= reduction, at most 8 (libjpeg's DCT scaling)."""
    if reduction < 2:
        return 1
    return min(8, 2 ** int(math.log2(reduction)))


def _orient(image: pyvips.Image, orientation: int) -> pyvips.Image:
    if orientation not in _ORIENTATION_NEEDS_MEMORY:
        return image
    return image.copy_memory().autorot()


def _to_srgb(image: pyvips.Image) -> pyvips.Image:
    if image.interpretation == "cmyk" and "icc-profile-data" in image.get_fields():
        image = image.icc_transform("srgb", embedded=True)
        image = image.copy()
        image.remove("icc-profile-data")
    elif image.interpretation not in ("srgb",):
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    return image
