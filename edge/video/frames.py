"""Frames out of a video, as image bytes the image pipeline reads (edge/imaging/render.py).

A thumbnail is one frame (`so_<seconds>`, by default the middle one) as a PNG; an animation
(`.gif`/`.webp` with `du_`/`eo_`) is the frames of a span at a modest rate, as a lossless
animated WebP. Both are upright (the display rotation applied) and limited before decoding:
an animation's frames are shrunk so that frames x pixels stays within the image limit.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator

import av
import numpy as np
import pyvips

from edge.errors import InvalidTransformation, InvalidVideo
from edge.grammar.video_params import VideoOptions
from edge.video.plan import trim
from edge.video.probe import VideoInfo

ANIMATION_FPS = 10.0  # frames per second of a GIF/WebP made from a video, unless fps_ says otherwise


def thumbnail_time(options: VideoOptions, info: VideoInfo) -> float:
    """so_ (seconds or percent), else the middle of the video; always inside it."""
    if options.start_offset is None:
        return info.duration / 2
    seconds = options.start_offset.resolve(info.duration)
    if seconds >= info.duration:
        raise InvalidTransformation(f"Invalid start offset - {seconds:g} s is past the end ({info.duration:g} s)")
    return seconds


def animation_span(options: VideoOptions, info: VideoInfo, max_frames: int) -> tuple[float, float, float]:
    """(start, end, frames per second) of an animation, its frame count within max_frames."""
    if options.start_offset is not None and options.start_offset.auto:
        options = dataclasses.replace(options, start_offset=None)
    start, end = trim(options, info.duration)
    fps = ANIMATION_FPS
    if options.frame_rate is not None:
        fps = options.frame_rate.high or options.frame_rate.low or fps
    fps = min(fps, info.frame_rate or fps)
    if (end - start) * fps > max_frames:
        fps = max_frames / (end - start)  # a lower rate rather than a refusal: the span is kept
    return start, end, fps


def frame_png(path: str | os.PathLike[str], info: VideoInfo, seconds: float) -> bytes:
    """The frame showing at `seconds`, upright, as a fast-compressed PNG."""
    for picture in _frames(path, info, seconds, math.inf, 1, 0.0):
        return _png(picture)
    raise InvalidVideo("Unreadable video - no frame at that time")


def animation_webp(path: str | os.PathLike[str], info: VideoInfo, start: float, end: float, fps: float,
                   max_pixels: int) -> tuple[bytes, int]:
    """(lossless animated WebP, frame count) of [start, end) at `fps`, shrunk within max_pixels."""
    count = max(1, math.ceil((end - start) * fps - 1e-9))
    scale = min(1.0, math.sqrt(max_pixels / (count * info.display_width * info.display_height)))
    pictures = [_vips(p) for p in _frames(path, info, start, end, count, 1 / fps)]
    if not pictures:
        raise InvalidVideo("Unreadable video - no frame in that span")
    if scale < 1.0:
        pictures = [p.resize(scale) for p in pictures]
    width, height = pictures[0].width, pictures[0].height
    pictures = [p if (p.width, p.height) == (width, height) else p.gravity("centre", width, height) for p in pictures]
    stacked = pyvips.Image.arrayjoin(pictures, across=1).copy(interpretation="srgb")
    stacked.set_type(pyvips.GValue.gint_type, "page-height", height)
    stacked.set_type(pyvips.GValue.array_int_type, "delay", [round(1000 / fps)] * len(pictures))
    stacked.set_type(pyvips.GValue.gint_type, "loop", 0)
    return stacked.webpsave_buffer(lossless=True, effort=0), len(pictures)


def _frames(path: str | os.PathLike[str], info: VideoInfo, start: float, end: float, count: int,
            step: float) -> Iterator[np.ndarray]:
    """Up to `count` upright RGB frames: the one on screen at `start`, then every `step` s before `end`."""
    try:
        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            stream.thread_count = 1
            if start > 1.0:
                container.seek(int((start - 0.5) * av.time_base), backward=True)
            produced, on_screen = 0, None
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                # Every wanted time before this frame's shows the frame before it.
                while on_screen is not None and produced < count and _wanted(start, step, produced) < min(frame.time, end):
                    yield _upright(on_screen.to_ndarray(format="rgb24"), info.rotation)
                    produced += 1
                if produced >= count or frame.time >= end or (step == 0 and produced):
                    return
                on_screen = frame
            while on_screen is not None and produced < count and _wanted(start, step, produced) < end:
                yield _upright(on_screen.to_ndarray(format="rgb24"), info.rotation)  # the last frame stays on
                produced += 1
    except av.FFmpegError as exc:
        raise InvalidVideo("Unreadable video", detail=str(exc)) from None


def _wanted(start: float, step: float, index: int) -> float:
    return start + index * step + 1e-6  # a frame at exactly the wanted time is the one shown


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(rgb, k=-(rotation // 90))) if rotation else rgb


def _vips(rgb: np.ndarray) -> pyvips.Image:
    height, width, bands = rgb.shape
    return pyvips.Image.new_from_memory(rgb.tobytes(), width, height, bands, "uchar").copy(interpretation="srgb")


def _png(rgb: np.ndarray) -> bytes:
    return _vips(rgb).pngsave_buffer(compression=1)
