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
from edge.grammar.chain import Chain, bind_constants
from edge.grammar.expressions import references
from edge.grammar.hints import ClientHints, apply_hints
from edge.grammar.colours import ICC_PREFIX
from edge.grammar.values import IGNORE, Colour, OutputFormat, Pages
from edge.imaging import faces
from edge.imaging.effects.bands import BLACK
from edge.imaging.layers import render_text
from edge.imaging.abort import Abort
from edge.imaging import pdf
from edge.imaging.encode import MULTI_PAGE_FORMATS, OutputSpec, encode
from edge.imaging.formats import normalise
from edge.imaging.limits import Limits, check
from edge.imaging.ops import Box, Op, Resize
from edge.imaging.plan import FACE_EFFECTS, PlanContext, is_barrier, layer_key, make_plan, text_wrap_width
from edge.imaging.plan.layers import text_stroke
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
    metadata: Mapping[str, object] | None = None,
) -> Rendered:
    """layers: the originals of the chain's image layers (l_/u_), by public_id, read by the service.
    tags, context, metadata: the asset's tags, contextual and structured metadata, for conditions
    and values (if_!x!_in_tags, ctx:!k!, md:!k!)."""
    chain = bind_constants(apply_hints(chain, ClientHints()))  # the service resolved the request's hints already
    page = chain.last("page")
    if pdf.is_pdf(data):
        data, page = _from_pdf(data, chain, page, output, limits)
    data, svg = normalise(data, limits.max_source_pixels)
    source = probe(data, sanitised_svg=svg)
    fmt = output.resolve(source.loader, source.is_avif, source.has_alpha)
    wanted: tuple[int, ...] | None = None  # the pages a multi-page result is made of
    if isinstance(page, Pages):
        chosen = page.select(source.pages)
        if not chosen:
            raise InvalidTransformation(f"Invalid page - no page in the range (the image has {source.pages})")
        if len(chosen) > 1 and (fmt in MULTI_PAGE_FORMATS or output.negotiated):
            wanted = chosen
            page = None
        else:
            page = chosen[0]
    if page is not None and page > source.pages:
        raise InvalidTransformation(f"Invalid page - {page} (the image has {source.pages})")
    if page is not None and source.pages > 1:
        source = _one_page(source)
    elif page is not None:
        page = None  # pg_1 of a single image is the image
    if _ignores_orientation(chain):
        source = _unoriented(source)
    animated = wanted is not None or (page is None and _keeps_animation(source, fmt, output, chain))
    if animated:
        fmt = _animated_format(fmt, output)
        wanted = wanted or tuple(range(1, source.pages + 1))
    check(source, limits, frames=len(wanted) if wanted else 1)
    try:
        sources = _layer_sources(chain, layers or {}, limits, source.pixels * (len(wanted) if wanted else 1))
        found = _detect_in_buffer(data, source, page) if _needs_faces(chain) else ()
        segments = _segments(chain)
        facts = {"page_count": source.pages, "tags": tags, "context": context or {}, "metadata": metadata or {}}
        plan = make_plan(segments[0], source.width, source.height, limits.max_output_dimension,
                         PlanContext(_sizes(sources), found, **facts))
        env = StepEnv(fmt.has_alpha, sources, abort)
        if animated:
            image = _render_frames(data, source, plan.ops, env, chain.last("delay"), wanted)
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
        colour_space = chain.last("colour_space")
        if colour_space is not None and colour_space.startswith(ICC_PREFIX):
            image = to_profile(image, (layers or {}).get(colour_space), colour_space[len(ICC_PREFIX):])
        background = chain.last("background")
        out = encode(image, fmt, output, background if isinstance(background, Colour) else None, chain.flags)
    except pyvips.Error as exc:
        if abort is not None and abort.killed:
            raise RenderTimeout("Render took too long") from None
        raise InvalidImage("Unreadable image", detail=str(exc).strip()) from None
    height = image.get("page-height") if animated and "page-height" in image.get_fields() else image.height
    return Rendered(out, fmt, image.width, height, time.perf_counter() - started)


def _run(image: pyvips.Image, ops: tuple[Op, ...], env: StepEnv) -> pyvips.Image:
    for op in ops:
        if env.abort is not None and env.abort.killed:  # steps that compute (copy_memory) take time
            raise RenderTimeout("Render took too long")
        image = apply(image, op, env)
    return image


ANIMATED_LOADERS = ("gif", "webp")
# Formats Cloudinary animates that libvips cannot write as animations.
_NO_ANIMATION = {OutputFormat.PNG: "libvips cannot write animated PNG; use f_webp or f_gif",
                 OutputFormat.AVIF: "libvips cannot write animated AVIF; use f_webp or f_gif"}


def _keeps_animation(source: SourceInfo, fmt: OutputFormat, output: OutputSpec, chain: Chain) -> bool:
    """Animated GIF/WebP in, GIF/WebP/f_auto out: every frame is transformed (fl_animated and
    fl_awebp ask for the same). A trim's size differs frame to frame: such chains take frame 1."""
    if source.pages < 2 or source.loader not in ANIMATED_LOADERS:
        return False
    if any(is_barrier(t) for t in chain.components):
        return False
    asked = chain.has_flag("animated") or chain.has_flag("awebp")
    if asked and fmt in _NO_ANIMATION and not output.negotiated:
        flag = "animated" if chain.has_flag("animated") else "awebp"
        raise InvalidTransformation(f"Unsupported flag - {flag} with f_{fmt.extension} ({_NO_ANIMATION[fmt]})")
    if fmt in (OutputFormat.GIF, OutputFormat.WEBP):
        return True
    if fmt in MULTI_PAGE_FORMATS:  # fl_animated,f_tiff|f_pdf: a page per frame
        return asked
    return output.negotiated  # f_auto keeps animation (WebP, or GIF for browsers without it)


def _animated_format(fmt: OutputFormat, output: OutputSpec) -> OutputFormat:
    """Animation is written as GIF or WebP (pages also as TIFF or PDF): f_auto answers WebP where AVIF was accepted."""
    if fmt in MULTI_PAGE_FORMATS:
        return fmt
    return OutputFormat.WEBP if fmt is OutputFormat.AVIF else OutputFormat.GIF


def _render_frames(data: bytes, source: SourceInfo, ops: tuple[Op, ...], env: StepEnv, delay: int | None,
                   wanted: tuple[int, ...] | None = None) -> pyvips.Image:
    """Decode the frames (every one, or the `wanted` pages), run the plan on each, and stack
    them back with their timing. Pages of another size are fitted to the first's first."""
    full = _to_srgb(pyvips.Image.new_from_buffer(data, "", n=-1))
    fields = set(full.get_fields())
    frame_height = full.get("page-height") if "page-height" in fields else source.height
    count = full.height // frame_height
    if wanted is not None and (wanted != tuple(range(1, count + 1)) or full.width != source.width):
        pages = [_fit(_to_srgb(pyvips.Image.new_from_buffer(data, "", page=number - 1)), source) for number in wanted]
    else:
        pages = [full.crop(0, i * frame_height, full.width, frame_height) for i in range(count)]
    count = len(pages)
    frames = [_run(frame, ops, env) for frame in pages]
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


def to_profile(image: pyvips.Image, profile: bytes | None, name: str) -> pyvips.Image:
    """cs_icc:<id>: the sRGB result converted to the uploaded ICC profile, which it then carries.
    libvips reads output profiles from files only: the bytes go to a temporary one."""
    import tempfile

    if profile is None:
        raise ResourceNotFound(f"ICC profile not found - {name}")
    with tempfile.NamedTemporaryFile(suffix=".icc") as file:
        file.write(profile)
        file.flush()
        try:
            return image.icc_transform(file.name, input_profile="srgb", intent="relative").copy_memory()
        except pyvips.Error as exc:
            raise InvalidImage(f"Invalid ICC profile - {name}", detail=str(exc).strip()) from None


def _fit(page: pyvips.Image, source: SourceInfo) -> pyvips.Image:
    if (page.width, page.height) == (source.width, source.height):
        return page
    return page.thumbnail_image(source.width, height=source.height).gravity("centre", source.width, source.height)


def _from_pdf(data: bytes, chain: Chain, page: int | Pages | None, output: OutputSpec, limits: Limits) -> tuple[bytes, Pages | None]:
    """A PDF's chosen pages drawn into a TIFF (see imaging/pdf.py), and the pages of it to take."""
    density = chain.last("density") or pdf.DEFAULT_DENSITY
    count = pdf.info(data, density).pages
    fmt = output.resolve("pdf", False, False)
    if isinstance(page, Pages):
        wanted = page.select(count)
        if not wanted:
            raise InvalidTransformation(f"Invalid page - no page in the range (the document has {count})")
        if fmt not in MULTI_PAGE_FORMATS and not output.negotiated:
            wanted = wanted[:1]
    else:
        wanted = (page or 1,)
    drawn = pdf.rasterise(data, wanted, density, limits.max_source_pixels, limits.max_frames)
    return drawn, Pages(((1, None),)) if len(wanted) > 1 else None


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
                wrap_width=text_wrap_width(t), antialias=style.antialias, stroke=text_stroke(t),
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
