"""Perceptual-hash goldens: a 64-bit DCT hash of a 32x32 greyscale made with pyvips.

Goldens are small text files under tests/golden/<suite>/<case>.hash, compared by Hamming
distance. EDGE_UPDATE_GOLDEN=1 writes the missing ones (and rewrites changed ones); without it
a missing golden fails the test. THRESHOLD is calibrated in tests/imaging/test_golden.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pyvips

GOLDEN = Path(__file__).parent / "golden"
# Read at import (collection time): the autouse fixture clears EDGE_* variables before each test.
UPDATE = os.environ.get("EDGE_UPDATE_GOLDEN") == "1"
THRESHOLD = 6  # bits of 64; JPEG q10 of a photo stays within it, visible edits do not
_N = 32
_DCT = np.array([[np.cos(np.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(_N)])


def phash(image: pyvips.Image) -> int:
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    grey = image.colourspace("b-w")[0].cast("uchar") if image.bands >= 3 else image[0]
    small = grey.resize(_N / grey.width, vscale=_N / grey.height, kernel="linear").cast("float")
    pixels = np.ndarray(buffer=small.write_to_memory(), dtype=np.float32, shape=(small.height, small.width))[:_N, :_N]
    coefficients = (_DCT @ pixels @ _DCT.T)[:8, :8].flatten()[1:]  # drop DC: brightness alone is not shape
    median = np.median(coefficients)
    bits = 0
    for value in coefficients:
        bits = (bits << 1) | int(value > median)
    return bits


def distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def case_file(suite: str, case: str) -> Path:
    return GOLDEN / suite / (re.sub(r"[^A-Za-z0-9_.:-]+", "_", case).replace(":", "-") + ".hash")


def assert_matches(suite: str, case: str, image: pyvips.Image, threshold: int = THRESHOLD) -> None:
    path = case_file(suite, case)
    actual = phash(image)
    update = UPDATE
    if not path.exists():
        if not update:
            raise AssertionError(f"missing golden {path.relative_to(GOLDEN)}; run with EDGE_UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{actual:016x}\n")
        return
    expected = int(path.read_text().strip(), 16)
    if update and distance(actual, expected) > threshold:
        path.write_text(f"{actual:016x}\n")
        return
    assert distance(actual, expected) <= threshold, f"{case}: hash distance {distance(actual, expected)} > {threshold}"
