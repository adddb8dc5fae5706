"""Calibration of the perceptual signature behind the goldens (tests/golden.py): what it forgives
(re-encoding, small brightness shifts, scaling) and what it does not (flips, negation, another
photo, a colour change, a darker image), so THRESHOLD and COLOUR_THRESHOLD mean something."""

import pytest
import pyvips
import skimage.data

from tests.golden import COLOUR_THRESHOLD, THRESHOLD, Signature, colour_distance, distance, phash, signature

PHOTO = pyvips.Image.new_from_array(skimage.data.astronaut()).copy(interpretation="srgb")
OTHER = pyvips.Image.new_from_array(skimage.data.coffee()).copy(interpretation="srgb")
SEPIA = PHOTO.recomb([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]).cast("uchar")


def jpeg(q: int) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(PHOTO.jpegsave_buffer(Q=q), "")


def grey(image: pyvips.Image) -> pyvips.Image:
    return image.colourspace("b-w").colourspace("srgb")


@pytest.mark.parametrize(
    "name, image",
    [("jpeg q99", jpeg(99)), ("jpeg q50", jpeg(50)), ("jpeg q10", jpeg(10)), ("jpeg q1", jpeg(1)),
     ("brightness +1", (PHOTO + 1).cast("uchar")), ("brightness +10", (PHOTO + 10).cast("uchar")),
     ("quarter size", PHOTO.resize(0.25)), ("greyscale", grey(PHOTO))],
)
def test_shape_forgives(name, image):
    assert distance(phash(PHOTO), phash(image)) <= THRESHOLD // 2, name


def test_shape_forgives_a_darker_copy_within_the_threshold():
    # Lightness is not linear: the shadows that clip to black move a few coefficients.
    assert distance(phash(PHOTO), phash((PHOTO - 30).cast("uchar"))) <= THRESHOLD


@pytest.mark.parametrize(
    "name, image",
    [("hflip", PHOTO.fliphor()), ("negate", PHOTO.invert()), ("rotate 90", PHOTO.rot90()), ("another photo", OTHER),
     ("top-left quarter", PHOTO.crop(0, 0, 256, 256))],
)
def test_shape_sees_real_changes(name, image):
    assert distance(phash(PHOTO), phash(image)) > 3 * THRESHOLD, name


@pytest.mark.parametrize(
    "name, image",
    [("jpeg q99", jpeg(99)), ("jpeg q50", jpeg(50)), ("jpeg q10", jpeg(10)), ("brightness +1", (PHOTO + 1).cast("uchar")),
     ("brightness +10", (PHOTO + 10).cast("uchar")), ("quarter size", PHOTO.resize(0.25))],
)
def test_colour_forgives(name, image):
    assert colour_distance(signature(PHOTO), signature(image)) <= COLOUR_THRESHOLD * 2 / 3, name


@pytest.mark.parametrize(
    "name, image",
    [("greyscale", grey(PHOTO)), ("sepia", SEPIA), ("brightness -30", (PHOTO - 30).cast("uchar")),
     ("negate", PHOTO.invert()), ("hflip", PHOTO.fliphor()), ("red and blue swapped", PHOTO.bandjoin([])[2].bandjoin([PHOTO[1], PHOTO[0]]))],
)
def test_colour_sees_real_changes(name, image):
    assert colour_distance(signature(PHOTO), signature(image.copy(interpretation="srgb"))) > 1.5 * COLOUR_THRESHOLD, name


def test_greyscale_and_sepia_are_told_apart_though_their_shapes_match():
    plain, sepia, greyed = signature(grey(PHOTO)), signature(SEPIA), signature(PHOTO)
    assert distance(sepia.shape, plain.shape) <= THRESHOLD
    assert colour_distance(sepia, plain) > COLOUR_THRESHOLD and colour_distance(greyed, plain) > COLOUR_THRESHOLD


def test_signature_text_round_trips():
    s = signature(PHOTO)
    again = Signature.parse(s.text())
    assert again.shape == s.shape and colour_distance(s, again) < 1
