"""Perceptual goldens that see colour: a DCT hash of the lightness plus the mean colour of a 4x4 grid.

Both are taken from a 32x32 CIE Lab copy made with pyvips. The hash (64 bits) is the shape, compared
by Hamming distance; the grid (16 mean Lab colours) is the colour, compared by the largest CIE76
difference of a cell. A greyscale hash alone cannot tell `e_sepia` from `e_grayscale` (same
shapes, other colours) nor `e_brightness:-50` (the hash drops the mean): the grid can.

Goldens are one-line text files under tests/golden/<suite>/<case>.hash. EDGE_UPDATE_GOLDEN=1 writes
the missing ones (and rewrites changed ones); without it a missing golden fails the test. THRESHOLD
and COLOUR_THRESHOLD are calibrated in tests/imaging/test_golden.py.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvips

GOLDEN = Path(__file__).parent / "golden"
# Read at import (collection time): the autouse fixture clears EDGE_* variables before each test.
UPDATE = os.environ.get("EDGE_UPDATE_GOLDEN") == "1"
THRESHOLD = 6  # bits of 64; JPEG q10 of a photo stays within it, visible edits do not
COLOUR_THRESHOLD = 6.0  # CIE76 of the worst grid cell; ~2.3 is a just-noticeable difference
_N = 32
_GRID = 4
_DCT = np.array([[np.cos(np.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(_N)])


@dataclass(frozen=True, slots=True)
class Signature:
    shape: int  # 64-bit DCT hash of the lightness
    colours: tuple[tuple[float, float, float], ...]  # mean L*a*b* of each grid cell, row by row

    def text(self) -> str:
        return f"{self.shape:016x} " + " ".join(",".join(str(round(v)) for v in cell) for cell in self.colours)

    @classmethod
    def parse(cls, text: str) -> Signature:
        shape, *cells = text.split()
        return cls(int(shape, 16), tuple(tuple(float(v) for v in cell.split(",")) for cell in cells))  # type: ignore[misc]


def _lab_thumbnail(image: pyvips.Image) -> np.ndarray:
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.bands < 3:
        image = image[0].bandjoin([image[0], image[0]]).copy(interpretation="srgb")
    lab = image.copy(interpretation="srgb").colourspace("lab")
    small = lab.resize(_N / lab.width, vscale=_N / lab.height, kernel="linear").cast("float")
    pixels = np.ndarray(buffer=small.write_to_memory(), dtype=np.float32, shape=(small.height, small.width, 3))
    return pixels[:_N, :_N]


def _shape_hash(lightness: np.ndarray) -> int:
    coefficients = (_DCT @ lightness @ _DCT.T)[:8, :8].flatten()[1:]  # drop DC: the mean is the grid's job
    median = np.median(coefficients)
    bits = 0
    for value in coefficients:
        bits = (bits << 1) | int(value > median)
    return bits


def signature(image: pyvips.Image) -> Signature:
    lab = _lab_thumbnail(image)
    cell = _N // _GRID
    means = lab.reshape(_GRID, cell, _GRID, cell, 3).mean(axis=(1, 3)).reshape(_GRID * _GRID, 3)
    return Signature(_shape_hash(lab[:, :, 0]), tuple(tuple(round(float(v), 1) for v in m) for m in means))  # type: ignore[misc]


def phash(image: pyvips.Image) -> int:
    """The shape part alone (64 bits)."""
    return signature(image).shape


def distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def colour_distance(a: Signature, b: Signature) -> float:
    """The largest CIE76 difference between corresponding grid cells."""
    return max(float(np.linalg.norm(np.subtract(x, y))) for x, y in zip(a.colours, b.colours, strict=True))


def differs(a: Signature, b: Signature, threshold: int = THRESHOLD, colour_threshold: float = COLOUR_THRESHOLD) -> bool:
    return distance(a.shape, b.shape) > threshold or colour_distance(a, b) > colour_threshold


def case_file(suite: str, case: str) -> Path:
    return GOLDEN / suite / (re.sub(r"[^A-Za-z0-9_.:-]+", "_", case).replace(":", "-") + ".hash")


def assert_matches(suite: str, case: str, image: pyvips.Image, threshold: int = THRESHOLD,
                   colour_threshold: float = COLOUR_THRESHOLD) -> None:
    path = case_file(suite, case)
    actual = signature(image)
    if not path.exists():
        if not UPDATE:
            raise AssertionError(f"missing golden {path.relative_to(GOLDEN)}; run with EDGE_UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual.text() + "\n")
        return
    text = path.read_text().strip()
    if UPDATE and (" " not in text or differs(actual, Signature.parse(text), threshold, colour_threshold)):
        path.write_text(actual.text() + "\n")
        return
    expected = Signature.parse(text)
    bits, colour = distance(actual.shape, expected.shape), colour_distance(actual, expected)
    assert bits <= threshold, f"{case}: shape hash distance {bits} > {threshold}"
    assert colour <= colour_threshold, f"{case}: colour distance {colour:.1f} > {colour_threshold} (CIE76, worst cell)"
