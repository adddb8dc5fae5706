"""Limits checked from the header, before decoding (decompression bombs stop here)."""

from __future__ import annotations

from dataclasses import dataclass

from edge.errors import SourceTooLarge
from edge.imaging.probe import SourceInfo


@dataclass(frozen=True, slots=True)
class Limits:
    max_source_pixels: int = 50_000_000
    max_output_dimension: int = 8192
    max_frames: int = 100


def check(source: SourceInfo, limits: Limits, frames: int = 1) -> None:
    """frames: how many frames will be decoded (all of an animation's); each counts its pixels."""
    if frames > limits.max_frames:
        raise SourceTooLarge(f"Too many frames - {frames} (max {limits.max_frames})")
    if source.pixels * frames > limits.max_source_pixels:
        raise SourceTooLarge(
            f"Image too large - {source.width}x{source.height} is over {limits.max_source_pixels} pixels"
        )
