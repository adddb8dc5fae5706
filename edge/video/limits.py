"""Limits on video sources and results, checked from the header before any decode."""

from __future__ import annotations

from dataclasses import dataclass

from edge.errors import VideoTooLarge


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_source_bytes: int = 500 * 1024 * 1024
    max_duration: float = 3600.0  # seconds, as the header declares it
    max_pixels: int = 3840 * 2160  # per frame
    max_frame_rate: float = 240.0
    max_output_dimension: int = 3840
    max_output_duration: float = 3600.0
    max_output_bytes: int = 500 * 1024 * 1024
    max_buffered_pixels: int = 600_000_000  # e_reverse / e_boomerang hold every frame of the result
    max_cpu_seconds: int = 600  # per transcode, enforced by the pool (RLIMIT_CPU)


def check_bytes(size: int, limits: VideoLimits) -> None:
    if size > limits.max_source_bytes:
        raise VideoTooLarge(f"Video too large - {size} bytes (max {limits.max_source_bytes})")


def check_header(width: int, height: int, duration: float, frame_rate: float, limits: VideoLimits) -> None:
    if width * height > limits.max_pixels:
        raise VideoTooLarge(f"Video too large - {width}x{height} is over {limits.max_pixels} pixels")
    if duration > limits.max_duration:
        raise VideoTooLarge(f"Video too long - {duration:.0f} s (max {limits.max_duration:.0f} s)")
    if frame_rate > limits.max_frame_rate:
        raise VideoTooLarge(f"Video frame rate too high - {frame_rate:.0f} fps (max {limits.max_frame_rate:.0f})")
