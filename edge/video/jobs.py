"""The work a transcode-pool process does: whole jobs, path in -> path or bytes out.

Module-level functions of picklable arguments (the pool's forkserver preloads this module).
Each one probes (limits from the header first), plans and runs, so a bad request costs one
process start and a header read, and nothing of it happens on the event loop.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from edge.errors import InvalidTransformation
from edge.grammar.values import OutputFormat
from edge.grammar.video_params import VideoComponent
from edge.video.frames import animation_span, animation_webp, frame_png, thumbnail_time
from edge.video.limits import VideoLimits
from edge.video.plan import VideoPlan, make_plan, merged_options
from edge.video.probe import VideoInfo, probe
from edge.video.transcode import Transcoded, transcode

ANIMATED_FORMATS = (OutputFormat.GIF, OutputFormat.WEBP)


@dataclass(frozen=True, slots=True)
class TranscodeJob:
    plan: VideoPlan
    result: Transcoded


def probe_file(source: str, limits: VideoLimits) -> VideoInfo:
    return probe(source, limits)


def transcode_file(source: str, components: Sequence[VideoComponent], container: str, destination: str,
                   limits: VideoLimits, overlays: Sequence[tuple[bytes, int, int]] = ()) -> TranscodeJob:
    """overlays: each image layer of the chain (`layer_groups`), rendered: (PNG, width, height)."""
    info = probe(source, limits)
    plan = make_plan(components, info, container, limits, [(w, h) for _, w, h in overlays])
    return TranscodeJob(plan, transcode(source, plan, destination, limits, tuple(data for data, _, _ in overlays)))


def still_source(source: str, components: Sequence[VideoComponent], output: OutputFormat | None, max_frames: int,
                 max_pixels: int, limits: VideoLimits) -> bytes:
    """The image the image pipeline starts from: a frame (PNG), or with du_/eo_ and a GIF/WebP
    output, the span's frames (animated WebP)."""
    info = probe(source, limits)
    if not info.has_video:
        raise InvalidTransformation("Invalid transformation - an audio file has no picture")
    options = merged_options(components)
    if output in ANIMATED_FORMATS and (options.duration is not None or options.end_offset is not None):
        start, end, fps = animation_span(options, info, max_frames)
        data, _ = animation_webp(source, info, start, end, fps, max_pixels)
        return data
    return frame_png(source, info, thumbnail_time(options, info))


def file_size(path: str) -> int:
    return os.path.getsize(path)
