"""Geometry without pixels: every crop mode and gravity on a 4000x3000 source."""

import pytest

from edge.errors import InvalidTransformation, OutputTooLarge
from edge.grammar.chain import parse_chain
from edge.grammar.values import Colour
from edge.imaging.ops import Crop, Flip, Pad, Resize, Rotate, SmartCrop
from edge.imaging.plan import make_plan

W, H = 4000, 3000


def plan(text: str, width: int = W, height: int = H, max_dimension: int = 8192):
    return make_plan(parse_chain(text), width, height, max_dimension)


CASES = [
    # (transformation, expected ops, expected size)
    ("c_scale,w_400,h_400", [Resize(400, 400)], (400, 400)),
    ("c_scale,w_400", [Resize(400, 300)], (400, 300)),
    ("h_300", [Resize(400, 300)], (400, 300)),  # no c_: scale
    ("w_0.5", [Resize(2000, 1500)], (2000, 1500)),
    ("w_400,dpr_2.0", [Resize(800, 600)], (800, 600)),
    ("c_fit,w_400,h_400", [Resize(400, 300)], (400, 300)),
    ("c_fit,w_8000,h_8000", [Resize(8000, 6000)], (8000, 6000)),  # fit upscales
    ("c_limit,w_400,h_400", [Resize(400, 300)], (400, 300)),
    ("c_limit,w_8000,h_8000", [], (4000, 3000)),  # limit never upscales
    ("c_mfit,w_400,h_400", [], (4000, 3000)),  # mfit never downscales
    ("c_mfit,w_8000,h_8000", [Resize(8000, 6000)], (8000, 6000)),
    ("c_fill,w_400,h_400", [Resize(533, 400), Crop(66, 0, 400, 400)], (400, 400)),
    ("c_fill,w_400,h_400,g_west", [Resize(533, 400), Crop(0, 0, 400, 400)], (400, 400)),
    ("c_fill,w_400,h_400,g_east", [Resize(533, 400), Crop(133, 0, 400, 400)], (400, 400)),
    ("c_fill,w_400,h_100,g_north", [Resize(400, 300), Crop(0, 0, 400, 100)], (400, 100)),
    ("c_fill,w_400,h_100,g_south", [Resize(400, 300), Crop(0, 200, 400, 100)], (400, 100)),
    ("c_fill,w_400,h_400,g_auto", [Resize(533, 400), SmartCrop(400, 400)], (400, 400)),
    ("c_fill,w_8000,h_1000", [Resize(8000, 6000), Crop(0, 2500, 8000, 1000)], (8000, 1000)),  # fill upscales
    ("c_fill,w_400", [Resize(400, 300)], (400, 300)),
    ("c_fill,ar_1:1,w_300", [Resize(400, 300), Crop(50, 0, 300, 300)], (300, 300)),
    ("c_fill,ar_1:1", [Crop(500, 0, 3000, 3000)], (3000, 3000)),
    ("c_lfill,w_400,h_400", [Resize(533, 400), Crop(66, 0, 400, 400)], (400, 400)),
    ("c_lfill,w_8000,h_1000", [Crop(0, 1000, 4000, 1000)], (4000, 1000)),  # no upscale: crop to min(box, image)
    ("c_thumb,w_400,h_400,g_north_west", [Resize(533, 400), Crop(0, 0, 400, 400)], (400, 400)),
    ("c_auto,w_400,h_400", [Resize(533, 400), SmartCrop(400, 400)], (400, 400)),
    ("c_auto,w_400,h_400,g_center", [Resize(533, 400), Crop(66, 0, 400, 400)], (400, 400)),
    ("c_pad,w_400,h_400", [Resize(400, 300), Pad(400, 400, 0, 50, None)], (400, 400)),
    ("c_pad,w_400,h_400,g_north,b_red", [Resize(400, 300), Pad(400, 400, 0, 0, Colour(255, 0, 0))], (400, 400)),
    ("c_pad,w_400,h_400,g_south", [Resize(400, 300), Pad(400, 400, 0, 100, None)], (400, 400)),
    ("c_pad,w_8000,h_8000", [Resize(8000, 6000), Pad(8000, 8000, 0, 1000, None)], (8000, 8000)),
    ("c_lpad,w_400,h_400", [Resize(400, 300), Pad(400, 400, 0, 50, None)], (400, 400)),
    ("c_lpad,w_5000,h_5000", [Pad(5000, 5000, 500, 1000, None)], (5000, 5000)),  # no upscale, padded
    ("c_mpad,w_400,h_400", [], (4000, 3000)),  # larger than the box: unchanged
    ("c_mpad,w_5000,h_4000,g_north_west", [Pad(5000, 4000, 0, 0, None)], (5000, 4000)),
    ("c_crop,w_400,h_400", [Crop(1800, 1300, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,x_100,y_50", [Crop(100, 50, 400, 400)], (400, 400)),  # x/y: top-left corner
    ("c_crop,w_400,h_400,g_north_west", [Crop(0, 0, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_north", [Crop(1800, 0, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_north_east", [Crop(3600, 0, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_west", [Crop(0, 1300, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_center", [Crop(1800, 1300, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_east", [Crop(3600, 1300, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_south_west", [Crop(0, 2600, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_south", [Crop(1800, 2600, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_south_east", [Crop(3600, 2600, 400, 400)], (400, 400)),
    ("c_crop,w_400,h_400,g_south_east,x_10,y_20", [Crop(3590, 2580, 400, 400)], (400, 400)),  # offsets inwards
    ("c_crop,w_0.5,h_0.5,x_0.25,y_0.25", [Crop(1000, 750, 2000, 1500)], (2000, 1500)),
    ("c_crop,w_400,h_400,g_auto", [SmartCrop(400, 400)], (400, 400)),
    ("c_crop,w_5000,h_400", [Crop(0, 1300, 4000, 400)], (4000, 400)),  # clipped to the image
    ("c_fill_pad,w_400,h_400,g_auto", [Resize(500, 375), SmartCrop(400, 375), Pad(400, 400, 0, 12, None)], (400, 400)),
    ("c_fill_pad,w_400,h_300,g_auto", [Resize(400, 300)], (400, 300)),  # same aspect: a plain fill
    ("a_90", [Rotate(90.0, None)], (3000, 4000)),
    ("c_scale,w_400/a_hflip", [Resize(400, 300), Flip(horizontal=True)], (400, 300)),
    ("w_400/a_45", [Resize(400, 300), Rotate(45.0, None)], (495, 495)),
    ("c_fill,w_200,h_200/c_pad,w_300,h_200,b_black", [Resize(267, 200), Crop(34, 0, 200, 200), Pad(300, 200, 50, 0, Colour(0, 0, 0))], (300, 200)),
]


@pytest.mark.parametrize("text, ops, size", CASES, ids=[c[0] for c in CASES])
def test_plan(text, ops, size):
    result = plan(text)
    assert list(result.ops) == ops
    assert (result.width, result.height) == size


def test_output_limit_is_checked_before_any_pixel():
    with pytest.raises(OutputTooLarge):
        plan("c_scale,w_9000")
    with pytest.raises(OutputTooLarge):
        plan("c_fill,w_8000,h_8000")  # the intermediate resize would be 10667x8000
    assert plan("w_100", max_dimension=100).width == 100


def test_fill_pad_needs_auto_gravity():
    with pytest.raises(InvalidTransformation, match="fill_pad requires g_auto"):
        plan("c_fill_pad,w_100,h_100")


def test_crop_outside_the_image_is_a_400():
    with pytest.raises(InvalidTransformation, match="Crop region outside"):
        plan("c_crop,w_100,h_100,x_5000")
