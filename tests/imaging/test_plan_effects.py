"""Plan (no pixels) for the parameters that change geometry: r, bo, e_shadow/e_outline,
regions, layers (placement, fl_relative), faces (g_face crops, z_, tracking), a_auto_*."""

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain
from edge.grammar.effect_args import Effect, Level
from edge.imaging.ops import AddBorder, Box, Crop, Filter, Grow, Layer, Opacity, Resize, Rotate, RoundCorners
from edge.imaging.plan import PlanContext, layer_key, make_plan, track_faces


def plan(text, w=4000, h=3000, **context):
    return make_plan(parse_chain(text), w, h, 100_000, PlanContext(**context))


def test_radius_border_opacity_ops_and_size():
    p = plan("w_400,r_20,bo_5px_solid_red,o_60")
    assert p.ops == (
        Resize(400, 300),
        RoundCorners((20, 20, 20, 20), False, None),
        AddBorder(5, p.ops[2].colour, (20, 20, 20, 20), False),
        Opacity(60),
    )
    assert (p.width, p.height) == (410, 310)
    assert plan("r_max").ops == (RoundCorners((0, 0, 0, 0), True, None),)


def test_shadow_and_outline_grow_the_canvas():
    p = plan("e_shadow,x_-10,y_20", 100, 50)
    assert isinstance(p.ops[0], Grow) and isinstance(p.ops[1], Filter)
    assert (p.width, p.height) == (100 + 10 + 24, 50 + 20 + 24) and p.ops[0].left == 12 + 10 and p.ops[0].top == 12
    assert (plan("e_outline:outer:5", 100, 50).width) == 110


def test_region_effects_use_w_h_x_y_as_the_region():
    p = plan("e_blur_region:500,w_100,h_50,x_10,y_20", 400, 300)
    assert (p.width, p.height) == (400, 300)
    assert p.ops == (Filter(Effect("blur_region", Level(500.0)), None, (Box(10, 20, 100, 50),), whole_image=False),)
    clipped = plan("e_pixelate_region,w_0.5,h_0.5,x_300,y_250", 400, 300).ops[0]
    assert clipped.regions == (Box(300, 250, 100, 50),)


def test_auto_rotation_rotates_first_when_orientations_disagree():
    assert plan("a_auto_right,w_300,h_400", 400, 300).ops[0] == Rotate(90, None)
    assert plan("a_auto_left,w_300,h_400", 400, 300).ops[0] == Rotate(270, None)
    assert plan("a_auto_right,w_400,h_300", 400, 300).ops == ()


LOGO = {"logo": (200, 100)}


@pytest.mark.parametrize(
    "text, left, top",
    [
        ("l_logo/fl_layer_apply", 1900, 1450),
        ("l_logo/fl_layer_apply,g_north_west", 0, 0),
        ("l_logo/fl_layer_apply,g_south_east,x_10,y_20", 3790, 2880),
        ("l_logo/fl_layer_apply,g_north_west,x_10,y_20", 10, 20),
        ("l_logo/fl_layer_apply,g_north,y_0.1", 1900, 300),
        ("l_logo,g_east,x_5", 3795, 1450),
    ],
)
def test_layer_placement(text, left, top):
    (layer,) = plan(text, layers=LOGO).ops
    assert isinstance(layer, Layer) and (layer.left, layer.top) == (left, top) and layer.key == "logo"


def test_layer_transformations_and_relative_width():
    (layer,) = plan("l_logo/c_scale,w_100/e_grayscale/fl_layer_apply,g_center", layers=LOGO).ops
    assert layer.ops[0] == Resize(100, 50) and layer.ops[1].effect.name == "grayscale"
    assert (layer.left, layer.top) == (1950, 1475)
    (relative,) = plan("l_logo,w_0.5,fl_relative/fl_layer_apply", layers=LOGO).ops
    assert relative.ops == (Resize(2000, 1000),)
    (own,) = plan("l_logo,w_0.5/fl_layer_apply", layers=LOGO).ops  # without fl_relative: the layer's own width
    assert own.ops == (Resize(100, 50),)


def test_layer_flags_blend_and_underlay():
    (layer,) = plan("l_logo/fl_layer_apply,fl_tiled,o_50", layers=LOGO).ops
    assert layer.tiled and layer.opacity == 50 and layer.blend == "over"
    assert plan("l_logo/fl_layer_apply,e_multiply", layers=LOGO).ops[0].blend == "multiply"
    assert plan("l_logo/fl_layer_apply,fl_cutter", layers=LOGO).ops[0].blend == "cutter"
    assert plan("u_logo/fl_layer_apply", layers=LOGO).ops[0].underlay
    resized = plan("w_400/l_logo/fl_layer_apply,g_south_east/e_sepia", layers=LOGO)
    assert [type(op) for op in resized.ops] == [Resize, Layer, Filter] and resized.width == 400


def test_layer_keys_and_unloaded_layers():
    text = parse_chain("l_text:Arial_20:Hi,co_red").components[0]
    assert layer_key(text).startswith("text:") and layer_key(parse_chain("l_a:b").components[0]) == "a/b"
    with pytest.raises(InvalidTransformation, match="Layer not loaded"):
        plan("l_missing/fl_layer_apply")


FACE = (Box(2000, 500, 400, 400),)
TWO = (Box(500, 500, 200, 200), Box(3000, 2000, 400, 400))


def test_fill_with_face_gravity_centres_the_face():
    p = plan("c_fill,g_face,w_400,h_400", faces=FACE)
    assert p.ops[0] == Resize(533, 400)
    crop = p.ops[1]
    assert isinstance(crop, Crop) and crop.left == round(2200 * 533 / 4000 - 200)


def test_crop_with_face_gravity_and_zoom():
    p = plan("c_crop,g_face,w_600,h_600", faces=FACE)
    assert p.ops == (Crop(1900, 400, 600, 600),)
    zoomed = plan("c_crop,g_face,w_600,h_600,z_2", faces=FACE)
    assert zoomed.ops == (Crop(2050, 550, 300, 300), Resize(600, 600))


def test_thumb_with_faces_cuts_around_them_then_scales():
    p = plan("c_thumb,g_face,w_200,h_200", faces=FACE)
    assert p.ops == (Crop(1880, 380, 640, 640), Resize(200, 200))
    wider = plan("c_thumb,g_face,w_200,h_200,z_0.5", faces=FACE)
    assert wider.ops[0] == Crop(1560, 60, 1280, 1280)
    group = plan("c_thumb,g_faces,w_300,h_200", faces=TWO)
    crop = group.ops[0]
    assert crop.left <= 500 and crop.left + crop.width >= 3400 and (group.width, group.height) == (300, 200)


def test_face_gravity_without_faces_falls_back():
    assert plan("c_fill,g_face,w_400,h_400").ops == plan("c_fill,g_center,w_400,h_400").ops
    assert plan("c_fill,g_auto:face,w_400,h_400").ops == plan("c_fill,g_auto,w_400,h_400").ops


def test_faces_are_tracked_through_geometry_for_face_effects():
    assert track_faces(FACE, [Resize(400, 300)], 4000, 3000) == (Box(200, 50, 40, 40),)
    assert track_faces(FACE, [Crop(2100, 0, 1000, 1000)], 4000, 3000) == (Box(0, 500, 300, 400),)
    assert track_faces(FACE, [Crop(0, 0, 100, 100)], 4000, 3000) == ()
    p = plan("w_400/e_blur_faces", faces=FACE)
    assert p.ops[1].regions == (Box(200, 50, 40, 40),)
    assert plan("e_pixelate_faces").ops[0].regions == ()


def test_ignore_aspect_ratio_keeps_the_other_side():
    assert plan("w_200,fl_ignore_aspect_ratio", 400, 300).ops == (Resize(200, 300),)
    assert plan("w_200", 400, 300).ops == (Resize(200, 150),)


def test_layer_overflow_grows_the_canvas_in_the_plan():
    from edge.imaging.ops import Pad

    p = plan("l_logo/fl_layer_apply,g_south_east,x_-50,y_-20", 400, 300, layers=LOGO)
    assert p.ops[0] == Pad(450, 320, 0, 0, None) and (p.ops[1].left, p.ops[1].top) == (250, 220)
    assert (p.width, p.height) == (450, 320)
    left = plan("l_logo/fl_layer_apply,g_west,x_-50", 400, 300, layers=LOGO)
    assert left.ops[0] == Pad(450, 300, 50, 0, None) and left.ops[1].left == 0
    assert plan("l_logo/fl_layer_apply,g_west,x_-50,fl_no_overflow", 400, 300, layers=LOGO).width == 400
