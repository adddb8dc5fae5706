"""Calibration of the perceptual hash behind the goldens (tests/golden.py): what it forgives
(re-encoding, small brightness shifts, scaling) and what it does not (flips, negation, another
photo), so THRESHOLD means something."""

import pytest
import pyvips
import skimage.data

from tests.golden import THRESHOLD, distance, phash

PHOTO = pyvips.Image.new_from_array(skimage.data.astronaut()).copy(interpretation="srgb")
OTHER = pyvips.Image.new_from_array(skimage.data.coffee()).copy(interpretation="srgb")


def jpeg(q: int) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(PHOTO.jpegsave_buffer(Q=q), "")


@pytest.mark.parametrize(
    "name, image",
    [("jpeg q99", jpeg(99)), ("jpeg q50", jpeg(50)), ("jpeg q10", jpeg(10)), ("jpeg q1", jpeg(1)),
     ("brightness +1", (PHOTO + 1).cast("uchar")), ("brightness +10", (PHOTO + 10).cast("uchar")),
     ("brightness -30", (PHOTO - 30).cast("uchar")), ("quarter size", PHOTO.resize(0.25))],
)
def test_forgiven_distortions(name, image):
    assert distance(phash(PHOTO), phash(image)) <= THRESHOLD // 2, name


@pytest.mark.parametrize(
    "name, image",
    [("hflip", PHOTO.fliphor()), ("negate", PHOTO.invert()), ("rotate 90", PHOTO.rot90()), ("another photo", OTHER),
     ("top-left quarter", PHOTO.crop(0, 0, 256, 256))],
)
def test_real_changes_are_far(name, image):
    assert distance(phash(PHOTO), phash(image)) > 3 * THRESHOLD, name
