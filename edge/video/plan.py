"""make_plan(): URL components + what the source is -> a VideoPlan. Pure: no pixels, no PyAV.

The order of the work is fixed (and documented in the README): trim -> rotate upright ->
geometry (each component's scale/crop/pad in turn) -> frame rate -> speed -> reverse or
boomerang -> fades -> loop. Dimensions are rounded to even numbers (4:2:0 chroma needs them).
"""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass, fields

from edge.errors import InvalidTransformation, OutputTooLarge
from edge.grammar.chain import Transformation
from edge.grammar.params import code_for
from edge.grammar.values import Colour, CropMode, Gravity, LayerSource
from edge.grammar.video_params import VideoComponent, VideoOptions
from edge.video.limits import VideoLimits
from edge.video.probe import VideoInfo

CONTAINERS = {
    # extension: (default video codec, default audio codec, allowed video codecs, allowed audio codecs)
    "mp4": ("h264", "aac", ("h264", "h265", "vp9", "av1"), ("aac", "opus")),
    "mov": ("h264", "aac", ("h264", "h265"), ("aac",)),
    "webm": ("vp9", "opus", ("vp9", "av1"), ("opus",)),
    "ts": ("h264", "aac", ("h264",), ("aac",)),  # HLS segments
}
MEDIA_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "ts": "video/mp2t"}
# Constant rate factor per q_auto level and codec family (x264/x265: 0-51; libvpx/SVT-AV1: 0-63).
AUTO_CRF = {
    "h26x": {"best": 20, "good": 23, "eco": 26, "low": 29},
    "vpx": {"best": 28, "good": 32, "eco": 36, "low": 40},
}
# Image parameters that mean something for a video result.
_VIDEO_FIELDS = {"width", "height", "crop", "gravity", "x", "y", "aspect_ratio", "dpr", "quality", "format", "background"}
_VIDEO_CROPS = (CropMode.SCALE, CropMode.FIT, CropMode.LIMIT, CropMode.FILL, CropMode.PAD, CropMode.CROP)
BLACK = Colour(0, 0, 0)
# MPEG-TS (HLS segment) timestamps start here, not at 0: the AAC priming goes before the first
# frame, and the muxer would shift a stream that starts below zero, breaking the continuity
# from one separately encoded segment to the next.
TS_START = 10.0


@dataclass(frozen=True, slots=True)
class Scale:
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Crop:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Pad:
    width: int
    height: int
    x: int
    y: int
    colour: Colour


@dataclass(frozen=True, slots=True)
class Overlay:
    """Draw overlay image `index` (of the job's overlays) at x, y on every frame."""

    index: int
    x: int
    y: int


GeometryOp = Scale | Crop | Pad | Overlay


@dataclass(frozen=True, slots=True)
class LayerGroup:
    """An image layer: `l_<public_id>` up to its `fl_layer_apply` (or alone in one component).

    `own` is what is done to the layer image (the image pipeline renders it), `placement` the
    component whose gravity, x and y put it on the video."""

    start: int  # component indexes, inclusive
    end: int
    public_id: str | None  # an uploaded image; None for a text layer
    own: tuple[Transformation, ...]
    placement: Transformation
    text: LayerSource | None = None  # l_text:<style>:<text>, drawn with the first component's co_ and b_


_PLACEMENT = {"gravity": None, "x": None, "y": None}


def layer_groups(components: Sequence[VideoComponent]) -> tuple[LayerGroup, ...]:
    groups = []
    index = 0
    while index < len(components):
        image = components[index].image
        if image.underlay is not None:
            raise InvalidTransformation("Unsupported parameter for video - u (underlays)")
        layer = image.overlay
        if layer is None:
            index += 1
            continue
        if layer.public_id is not None and layer.public_id.startswith("fetch:"):
            raise InvalidTransformation("Unsupported layer for video - fetch (image and text layers only)")
        end = next((i for i in range(index + 1, len(components)) if "layer_apply" in components[i].image.flags), index)
        first = dataclasses.replace(image, overlay=None, **_PLACEMENT) if end != index else dataclasses.replace(
            image, overlay=None, flags=image.flags - {"layer_apply"}, **_PLACEMENT)
        own = (first, *(c.image for c in components[index + 1 : end]))
        text = layer if layer.text is not None else None
        groups.append(LayerGroup(index, end, layer.public_id, own, components[end].image, text))
        index = end + 1
    return tuple(groups)


@dataclass(frozen=True, slots=True)
class VideoPlan:
    container: str  # mp4 | mov | webm
    video_codec: str | None  # h264 | h265 | vp9 | av1; None: no picture
    audio_codec: str | None  # aac | opus; None: no sound
    start: float  # seconds of the source
    end: float
    rotation: int  # degrees clockwise to turn the stored frames upright
    geometry: tuple[GeometryOp, ...]
    width: int
    height: int
    frame_rate: float
    crf: int
    bit_rate: int | None
    keyframe_interval: float | None = None
    volume: float = 1.0
    speed: float = 1.0
    reverse: bool = False
    boomerang: bool = False
    loop: int = 0
    fade_in: float = 0.0
    fade_out: float = 0.0
    # Seconds added to every output timestamp: an HLS segment continues the one before it.
    timestamp_offset: float = 0.0

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.container]

    @property
    def pass_duration(self) -> float:
        """One play of the result, before the loop: trimmed, sped up, doubled by a boomerang."""
        return (self.end - self.start) / self.speed * (2 if self.boomerang else 1)

    @property
    def duration(self) -> float:
        return self.pass_duration * (1 + self.loop)


def merged_options(components: Sequence[VideoComponent]) -> VideoOptions:
    """The video parameters of a chain: for each one, the last component that gives it wins."""
    values: dict[str, object] = {}
    default = VideoOptions()
    for component in components:
        for f in fields(VideoOptions):
            value = getattr(component.video, f.name)
            if value != getattr(default, f.name):
                values[f.name] = value
    return VideoOptions(**values)  # type: ignore[arg-type]


def trim(options: VideoOptions, duration: float) -> tuple[float, float]:
    """(start, end) in seconds of the source, from so_/eo_/du_."""
    if options.start_offset is not None and options.start_offset.auto:
        raise InvalidTransformation("Invalid start offset - so_auto picks a thumbnail's frame; a video needs seconds")
    start = options.start_offset.resolve(duration) if options.start_offset else 0.0
    if options.end_offset is not None:
        end = options.end_offset.resolve(duration)
    elif options.duration is not None:
        end = start + options.duration.resolve(duration)
    else:
        end = duration
    end = min(end, duration)
    if start >= duration:
        raise InvalidTransformation(f"Invalid start offset - {start:g} s is past the end ({duration:g} s)")
    if end <= start:
        raise InvalidTransformation(f"Invalid end offset - {end:g} s is not after the start ({start:g} s)")
    return start, end


def make_plan(components: Sequence[VideoComponent], info: VideoInfo, container: str, limits: VideoLimits,
              overlay_sizes: Sequence[tuple[int, int]] = ()) -> VideoPlan:
    """overlay_sizes: the rendered size of each of `layer_groups(components)`, in order."""
    options = merged_options(components)
    if options.streaming_profile is not None:
        raise InvalidTransformation("Invalid transformation - sp_ (streaming profile) needs the m3u8 format")
    default_video, default_audio, allowed_video, allowed_audio = CONTAINERS[container]
    video_codec = _video_codec(options.video_codec, default_video, allowed_video, container) if info.has_video else None
    audio_codec = _audio_codec(options.audio_codec, default_audio, allowed_audio, container) if info.has_audio else None
    if options.boomerang:
        audio_codec = None  # a sound played forwards then backwards is noise: Cloudinary drops it too
    if video_codec is None and audio_codec is None:
        raise InvalidTransformation("Invalid transformation - the result would have neither picture nor sound")
    start, end = trim(options, info.duration)
    width, height = info.display_width, info.display_height
    geometry: list[GeometryOp] = []
    groups = {group.start: (number, group) for number, group in enumerate(layer_groups(components))}
    if groups and len(overlay_sizes) != len(groups):
        raise InvalidTransformation("Invalid transformation - layers without their images")
    index = 0
    while index < len(components):
        if index in groups:
            number, group = groups[index]
            geometry.append(_overlay(number, group.placement, overlay_sizes[number], width, height))
            index = group.end + 1
            continue
        _check_fields(components[index].image)
        ops, (width, height) = _geometry(components[index].image, width, height, limits)
        geometry.extend(ops)
        index += 1
    if width % 2 or height % 2:
        width, height = _even(width), _even(height)
        geometry.append(Scale(width, height))
    if max(width, height) > limits.max_output_dimension:
        raise OutputTooLarge(f"Output too large - {width}x{height} (max {limits.max_output_dimension} px a side)")
    frame_rate = _frame_rate(options, info.frame_rate or 25.0, limits)
    quality = next((c.image.quality for c in reversed(components) if c.image.quality is not None), None)
    plan = VideoPlan(
        container=container,
        video_codec=video_codec,
        audio_codec=audio_codec,
        start=start,
        end=end,
        rotation=info.rotation,
        geometry=tuple(geometry),
        width=width,
        height=height,
        frame_rate=frame_rate,
        crf=_crf(video_codec or "h264", quality),
        bit_rate=options.bit_rate,
        keyframe_interval=options.keyframe_interval,
        volume=1.0 if options.volume is None else options.volume,
        speed=options.speed or 1.0,
        reverse=options.reverse,
        boomerang=options.boomerang,
        loop=options.loop or 0,
        fade_in=options.fade_in or 0.0,
        fade_out=options.fade_out or 0.0,
        timestamp_offset=TS_START + start if container == "ts" else 0.0,
    )
    _check_result(plan, limits)
    return plan


def _check_result(plan: VideoPlan, limits: VideoLimits) -> None:
    if plan.duration > limits.max_output_duration:
        raise OutputTooLarge(f"Output too long - {plan.duration:.0f} s (max {limits.max_output_duration:.0f} s)")
    if plan.reverse or plan.boomerang:
        held = (plan.end - plan.start) / plan.speed * plan.frame_rate * plan.width * plan.height
        if held > limits.max_buffered_pixels:
            raise OutputTooLarge("Output too long to play backwards - trim it first (so_, du_)")
    if plan.fade_in + plan.fade_out > plan.pass_duration + 1e-6:
        raise InvalidTransformation(f"Invalid fade - longer than the video ({plan.pass_duration:g} s)")


def _overlay(number: int, placement: Transformation, size: tuple[int, int], width: int, height: int) -> Overlay:
    """Where the layer sits: at its gravity (default centre), x/y pointing inwards from that side."""
    anchor = (placement.gravity or Gravity.CENTER).anchor
    if placement.gravity is not None and placement.gravity.anchor == (0.5, 0.5) and placement.gravity is not Gravity.CENTER:
        raise InvalidTransformation(f"Unsupported gravity for video - {placement.gravity.value}")
    dx = round(placement.x.resolve(width)) if placement.x is not None else 0
    dy = round(placement.y.resolve(height)) if placement.y is not None else 0
    x = round((width - size[0]) * anchor[0]) + (dx if anchor[0] < 1 else -dx)
    y = round((height - size[1]) * anchor[1]) + (dy if anchor[1] < 1 else -dy)
    return Overlay(number, x, y)


def _check_fields(t: Transformation) -> None:
    for f in fields(Transformation):
        if f.name in _VIDEO_FIELDS or f.name == "canonical":
            continue
        if getattr(t, f.name) not in (None, (), frozenset()):
            raise InvalidTransformation(f"Unsupported parameter for video - {code_for(f.name)}")
    if t.crop is not None and t.crop not in _VIDEO_CROPS:
        raise InvalidTransformation(f"Unsupported crop for video - {t.crop.value}")
    if t.gravity is not None and t.gravity.anchor == (0.5, 0.5) and t.gravity is not Gravity.CENTER:
        raise InvalidTransformation(f"Unsupported gravity for video - {t.gravity.value}")
    if isinstance(t.background, str):
        raise InvalidTransformation(f"Unsupported background for video - {t.background}")
    if t.format is not None and t.format != "auto":
        raise InvalidTransformation("Invalid format for video - use f_mp4, f_webm or f_mov")


def _video_codec(asked: str | None, default: str, allowed: tuple[str, ...], container: str) -> str | None:
    if asked == "none":
        return None
    codec = default if asked in (None, "auto") else asked
    if codec not in allowed:
        raise InvalidTransformation(f"Invalid video codec - {codec} cannot go in {container}")
    return codec


def _audio_codec(asked: str | None, default: str, allowed: tuple[str, ...], container: str) -> str | None:
    if asked == "none":
        return None
    codec = asked or default
    if codec not in allowed:
        raise InvalidTransformation(f"Invalid audio codec - {codec} cannot go in {container}")
    return codec


def _frame_rate(options: VideoOptions, source: float, limits: VideoLimits) -> float:
    rate = source
    if options.frame_rate is not None:
        low, high = options.frame_rate.low, options.frame_rate.high
        if low is not None:
            rate = max(rate, low)
        if high is not None:
            rate = min(rate, high)
    return min(rate, limits.max_frame_rate)


def _crf(codec: str, quality: object) -> int:
    family = "h26x" if codec in ("h264", "h265") else "vpx"
    value = getattr(quality, "value", None)
    if value is not None:
        return round(18 + (100 - value) * 0.33) if family == "h26x" else min(63, round(20 + (100 - value) * 0.43))
    level = getattr(quality, "auto_level", None) or "good"
    return AUTO_CRF[family][level]


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _geometry(t: Transformation, width: int, height: int, limits: VideoLimits) -> tuple[list[GeometryOp], tuple[int, int]]:
    """The ops of one component and the size after them."""
    target_w = t.width.resolve(width) if t.width is not None else None
    target_h = t.height.resolve(height) if t.height is not None else None
    if t.dpr is not None:
        target_w = target_w * t.dpr if target_w is not None else None
        target_h = target_h * t.dpr if target_h is not None else None
    ratio = t.aspect_ratio
    if ratio is not None:
        if target_w is not None and target_h is None:
            target_h = target_w / ratio
        elif target_h is not None and target_w is None:
            target_w = target_h * ratio
        elif target_w is None and target_h is None:
            target_w, target_h = (height * ratio, height) if width / height > ratio else (width, width / ratio)
    if target_w is None and target_h is None:
        return [], (width, height)
    for value in (target_w, target_h):
        if value is not None and value > limits.max_output_dimension:
            raise OutputTooLarge(f"Output too large - {value:.0f} px (max {limits.max_output_dimension} px a side)")
    mode = t.crop or CropMode.SCALE
    anchor = (t.gravity or Gravity.CENTER).anchor
    if mode is CropMode.CROP:
        return _crop(t, width, height, target_w, target_h, anchor)
    fit = min(target_w / width if target_w else float("inf"), target_h / height if target_h else float("inf"))
    cover = max(target_w / width if target_w else 0.0, target_h / height if target_h else 0.0)
    if mode is CropMode.SCALE:
        w = target_w if target_w is not None else width * fit
        h = target_h if target_h is not None else height * fit
        size = (_even(w), _even(h))
        return ([Scale(*size)] if size != (width, height) else []), size
    if mode is CropMode.LIMIT and fit >= 1:
        return [], (width, height)
    if mode in (CropMode.FIT, CropMode.LIMIT) or (target_w is None or target_h is None):
        size = (_even(width * fit), _even(height * fit))
        return [Scale(*size)], size
    box = (_even(target_w), _even(target_h))
    if mode is CropMode.FILL:
        scaled = (max(box[0], _even(width * cover)), max(box[1], _even(height * cover)))
        x, y = round((scaled[0] - box[0]) * anchor[0]), round((scaled[1] - box[1]) * anchor[1])
        ops: list[GeometryOp] = [Scale(*scaled)] if scaled != (width, height) else []
        return [*ops, Crop(x, y, *box)] if scaled != box else ops, box
    # PAD: fit inside, then fill the rest with the background at the gravity.
    scaled = (min(box[0], _even(width * fit)), min(box[1], _even(height * fit)))
    x, y = round((box[0] - scaled[0]) * anchor[0]), round((box[1] - scaled[1]) * anchor[1])
    colour = t.background if isinstance(t.background, Colour) else BLACK
    return [Scale(*scaled), Pad(box[0], box[1], x, y, colour)], box


def _crop(t: Transformation, width: int, height: int, target_w: float | None, target_h: float | None,
          anchor: tuple[float, float]) -> tuple[list[GeometryOp], tuple[int, int]]:
    w = min(width, _even(target_w)) if target_w is not None else width
    h = min(height, _even(target_h)) if target_h is not None else height
    if t.gravity is None and (t.x is not None or t.y is not None):
        x = round(t.x.resolve(width)) if t.x is not None else 0
        y = round(t.y.resolve(height)) if t.y is not None else 0
    else:
        dx = round(t.x.resolve(width)) if t.x is not None else 0
        dy = round(t.y.resolve(height)) if t.y is not None else 0
        # Offsets point inwards from the gravity's side (as for images).
        x = round((width - w) * anchor[0]) + (dx if anchor[0] < 1 else -dx)
        y = round((height - h) * anchor[1]) + (dy if anchor[1] < 1 else -dy)
    x, y = min(max(0, x), width - w), min(max(0, y), height - h)
    return [Crop(x, y, w, h)], (w, h)
