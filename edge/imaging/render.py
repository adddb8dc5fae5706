"""render(): probe -> limits -> plan -> load (shrink-on-load) -> apply each op -> encode. The loop.

Why not `pyvips.Image.thumbnail_buffer`: libvips' thumbnail leaves a factor of at least two
for the final resample (`vips_thumbnail_find_jpegshrink`), so a 4000x3000 JPEG going to
400x300 is decoded at 1000x750. sharp (under ipx) picks the largest JPEG shrink-on-load
factor that still covers the target (8 here, 500x375), which is most of why ipx beats raw
`thumbnail_buffer`. We do the same: libjpeg's DCT scaling to the largest power of two
<= the reduction, then one Lanczos resample to the exact size.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pyvips

from edge.errors import InvalidImage, InvalidTransformation, RenderTimeout, ResourceNotFound, SourceTooLarge
from edge.grammar.chain import Chain
from edge.grammar.expressions import references
from edge.grammar.values import IGNORE, Colour, OutputFormat
from edge.imaging import faces
from edge.imaging.effects.bands import BLACK
from edge.imaging.layers import render_text
from edge.imaging.abort import Abort
from edge.imaging.encode import OutputSpec, encode
from edge.imaging.formats import normalise
from edge.imaging.limits import Limits, check
from edge.imaging.ops import Box, Op, Resize
from edge.imaging.plan import FACE_EFFECTS, PlanContext, is_barrier, layer_key, make_plan, text_wrap_width
from edge.imaging.probe import SourceInfo, open_header, probe
from edge.imaging.steps import StepEnv, apply

# Orientations whose correction needs the whole image (rotations, flips): done after resize.
_ORIENTATION_NEEDS_MEMORY = {2, 3, 4, 5, 6, 7, 8}


@dataclass(frozen=True, slots=True)
class Rendered:
    data: bytes
    format: OutputFormat
    width: int
    height: int
    encode_seconds: float  # libvips is lazy: decoding and resampling happen inside the save
    media_type: str | None = None  # set when the answer is not an image (fl_getinfo: JSON)


def render(
    data: bytes,
    chain: Chain,
    output: OutputSpec,
    limits: Limits,
    abort: Abort | None = None,
    layers: Mapping[str, bytes] | None = None,
    tags: tuple[str, ...] = (),
    context: Mapping[str, str] | None = None,
) -> Rendered:
    """layers: the originals of the chain's image layers (l_/u_), by public_id, read by the service.
    tags, context: the asset's tags and contextual metadata, for conditions (if_!x!_in_tags, ctx:!k!)."""
    page = chain.last("page")
    data, svg = normalise(data, limits.max_source_pixels)
    source = probe(data, sanitised_svg=svg)
    if page is not None and page > source.pages:
        raise InvalidTransformation(f"Invalid page - {page} (the image has {source.pages})")
    if page is not None and source.pages > 1:
        source = _one_page(source)
    elif page is not None:
        page = None  # pg_1 of a single image is the image
    if _ignores_orientation(chain):
        source = _unoriented(source)
    fmt = output.resolve(source.loader, source.is_avif, source.has_alpha)
    animated = page is None and _keeps_animation(source, fmt, output, chain)
    if animated:
        fmt = _animated_format(fmt, output)
    check(source, limits, frames=source.pages if animated else 1)
    try:
        sources = _layer_sources(chain, layers or {}, limits, source.pixels * (source.pages if animated else 1))
        found = _detect_in_buffer(data, source, page) if _needs_faces(chain) else ()
        segments = _segments(chain)
        facts = {"page_count": source.pages, "tags": tags, "context": context or {}}
        plan = make_plan(segments[0], source.width, source.height, limits.max_output_dimension,
                         PlanContext(_sizes(sources), found, **facts))
        env = StepEnv(fmt.has_alpha, sources, abort)
        if animated:
            image = _render_frames(data, source, plan.ops, env, chain.last("delay"))
        else:
            ops: tuple[Op, ...] = plan.ops
            first = ops[0] if ops and isinstance(ops[0], Resize) else None
            image = _to_srgb(load(data, source, first, page))
            image = _run(image, ops[1:] if first is not None else ops, env)
            for segment in segments[1:]:  # after a trim, the size is known only from the pixels
                image = image.copy_memory()
                seen = faces.detect(image) if _needs_faces(segment) else ()
                plan = make_plan(segment, image.width, image.height, limits.max_output_dimension,
                                 PlanContext(_sizes(sources), seen, **facts))
                image = _run(image, plan.ops, env)
        if chain.has_flag("getinfo"):
            return _info(source, image, found, fmt)
        started = time.perf_counter()
        if abort is not None:
            abort.attach(image)
        background = chain.last("background")
        out = encode(image, fmt, output, background if isinstance(background, Colour) else None, chain.flags)
    except pyvips.Error as exc:
        if abort is not None and abort.killed:
            raise RenderTimeout("Render took too long") from None
        raise InvalidImage("Unreadable image", detail=str(exc).strip()) from None
    height = image.get("page-height") if animated else image.height
    return Rendered(out, fmt, image.width, height, time.perf_counter() - started)


def _run(image: pyvips.Image, ops: tuple[Op, ...], env: StepEnv) -> pyvips.Image:
    for op in ops:
        if env.abort is not None and env.abort.killed:  # steps that compute (copy_memory) take time
            raise RenderTimeout("Render took too long")
        image = apply(image, op, env)
    return image


ANIMATED_LOADERS = ("gif", "webp")


def _keeps_animation(source: SourceInfo, fmt: OutputFormat, output: OutputSpec, chain: Chain) -> bool:
    """Animated GIF/WebP in, GIF/WebP/f_auto out: every frame is transformed (fl_animated and
    fl_awebp ask for the same). A trim's size differs frame to frame: such chains take frame 1."""
    if source.pages < 2 or source.loader not in ANIMATED_LOADERS:
        return False
    if any(is_barrier(t) for t in chain.components):
        return False
    if fmt in (OutputFormat.GIF, OutputFormat.WEBP):
        return True
    return output.negotiated  # f_auto keeps animation (WebP, or GIF for browsers without it)


def _animated_format(fmt: OutputFormat, output: OutputSpec) -> OutputFormat:
    """libvips writes animation as GIF or WebP: f_auto answers WebP where AVIF was accepted."""
    if fmt in (OutputFormat.GIF, OutputFormat.WEBP):
        return fmt
    return OutputFormat.WEBP if fmt is OutputFormat.AVIF else OutputFormat.GIF


def _render_frames(data: bytes, source: SourceInfo, ops: tuple[Op, ...], env: StepEnv, delay: int | None) -> pyvips.Image:
    """Decode every frame, run the plan on each, and stack them back with their timing."""
    full = _to_srgb(pyvips.Image.new_from_buffer(data, "", n=-1))
    fields = set(full.get_fields())
    frame_height = full.get("page-height") if "page-height" in fields else source.height
    count = full.height // frame_height
    frames = [_run(full.crop(0, i * frame_height, full.width, frame_height), ops, env) for i in range(count)]
    width, height = frames[0].width, frames[0].height
    frames = [f if (f.width, f.height) == (width, height) else f.gravity("centre", width, height) for f in frames]
    stacked = pyvips.Image.arrayjoin(frames, across=1).copy(interpretation="srgb")
    stacked.set_type(pyvips.GValue.gint_type, "page-height", height)
    if delay is not None:  # dl_<ms>
        stacked.set_type(pyvips.GValue.array_int_type, "delay", [delay] * count)
    elif "delay" in fields:
        stacked.set_type(pyvips.GValue.array_int_type, "delay", list(full.get("delay"))[:count])
    stacked.set_type(pyvips.GValue.gint_type, "loop", full.get("loop") if "loop" in fields else 0)
    return stacked


def _segments(chain: Chain) -> list[Chain]:
    """Split after each component whose result size only the pixels can tell (e_trim)."""
    segments: list[Chain] = []
    current: list = []  # type: ignore[type-arg]
    for component in chain.components:
        current.append(component)
        if is_barrier(component):
            segments.append(Chain(tuple(current)))
            current = []
    if current or not segments:
        segments.append(Chain(tuple(current)))
    return segments


def _needs_faces(chain: Chain) -> bool:
    if references(chain, "face_count"):
        return True
    for t in chain.components:
        if (t.gravity is not None and t.gravity.is_face) or (t.effect is not None and t.effect.name in FACE_EFFECTS):
            return True
    return chain.has_flag("getinfo")


def _detect_in_buffer(data: bytes, source: SourceInfo, page: int | None) -> tuple[Box, ...]:
    """Faces in the oriented original's coordinates, found on a small decode of it."""
    options: dict[str, object] = {"height": faces.DETECT_SIZE}
    if page is not None and source.pages > 1:
        options["option_string"] = f"page={page - 1}"
    small = _to_srgb(pyvips.Image.thumbnail_buffer(data, faces.DETECT_SIZE, **options))
    scale_x, scale_y = source.width / small.width, source.height / small.height
    return tuple(
        Box(round(b.left * scale_x), round(b.top * scale_y), round(b.width * scale_x), round(b.height * scale_y))
        for b in faces.detect(small)
    )


def _layer_sources(chain: Chain, originals: Mapping[str, bytes], limits: Limits, used_pixels: int) -> dict[str, pyvips.Image]:
    """Decode image layers and draw text layers; every layer's pixels count towards the limit."""
    sources: dict[str, pyvips.Image] = {}
    budget = limits.max_source_pixels - used_pixels
    for t in chain.components:
        layer = t.overlay or t.underlay
        if layer is None:
            continue
        key = layer_key(t)
        if key in sources:
            continue
        if layer.public_id is not None:
            data = originals.get(layer.public_id)
            if data is None:
                raise ResourceNotFound(f"Layer not found - {layer.public_id}")
            data, svg = normalise(data, max(0, budget))
            info = probe(data, sanitised_svg=svg)
            budget -= info.pixels
            if budget < 0:
                raise SourceTooLarge(f"Image too large - layers take more than {limits.max_source_pixels} pixels")
            image = _to_srgb(_orient(pyvips.Image.new_from_buffer(data, "", access="random"), info.orientation))
        else:
            style = layer.style
            assert style is not None and layer.text is not None
            image = render_text(
                layer.text, style.font, style.size, bold=style.bold, italic=style.italic, underline=style.underline,
                strikethrough=style.strikethrough, align=style.align, letter_spacing=style.letter_spacing,
                line_spacing=style.line_spacing, colour=t.colour or BLACK,
                background=t.background if isinstance(t.background, Colour) else None, max_pixels=max(0, budget),
                wrap_width=text_wrap_width(t),
            )
            budget -= image.width * image.height
        sources[key] = image
    return sources


def _sizes(sources: Mapping[str, pyvips.Image]) -> dict[str, tuple[int, int]]:
    return {key: (image.width, image.height) for key, image in sources.items()}


def _ignores_orientation(chain: Chain) -> bool:
    return any(IGNORE in (t.angle or ()) for t in chain.components)


def _unoriented(source: SourceInfo) -> SourceInfo:
    if source.orientation >= 5:
        return SourceInfo(source.height, source.width, source.pages, source.loader, 1, source.has_alpha, source.is_avif)
    return SourceInfo(source.width, source.height, source.pages, source.loader, 1, source.has_alpha, source.is_avif)


def _one_page(source: SourceInfo) -> SourceInfo:
    return SourceInfo(source.width, source.height, 1, source.loader, source.orientation, source.has_alpha, source.is_avif)


def _info(source: SourceInfo, image: pyvips.Image, found: tuple[Box, ...], fmt: OutputFormat) -> Rendered:
    """fl_getinfo: sizes and face boxes as JSON instead of the image (Cloudinary's shape, abridged)."""
    height = image.get("page-height") if "page-height" in image.get_fields() else image.height
    body = {
        "input": {"width": source.width, "height": source.height},
        "output": {"width": image.width, "height": height, "format": fmt.value},
        "faces": [[b.left, b.top, b.width, b.height] for b in found],
    }
    data = json.dumps(body, separators=(",", ":")).encode()
    return Rendered(data, fmt, image.width, height, 0.0, media_type="application/json")


def load(data: bytes, source: SourceInfo, target: Resize | None, page: int | None = None) -> pyvips.Image:
    """Decode (lazily), shrinking on load as far as the target allows, then orient."""
    if page is not None:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential", page=page - 1)
        image = _orient(image, source.orientation)
        return image if target is None else image.resize(target.width / image.width, vscale=target.height / image.height)
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
