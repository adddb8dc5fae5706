"""Conditions (if_/if_else/if_end), user variables and arithmetic values, planned against the
real sizes (no pixels), plus the SDK's own spelling of them."""

import cloudinary.utils
import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain
from edge.grammar.delivery_path import parse_delivery_path
from edge.imaging.ops import Filter, Resize
from edge.imaging.plan import PlanContext, make_plan


def plan(text, w=400, h=300, **context):
    p = make_plan(parse_chain(text), w, h, 10_000, PlanContext(**context))
    return p.ops, (p.width, p.height)


@pytest.mark.parametrize(
    "text, size, expected",
    [
        ("if_w_gt_300/w_100/if_end", (400, 300), (100, 75)),
        ("if_w_gt_300/w_100/if_end", (200, 100), (200, 100)),
        ("if_w_gt_300/w_100/if_else/w_50/if_end", (200, 100), (50, 25)),
        ("if_w_gt_300,w_100/if_else,w_50/if_end", (200, 100), (50, 25)),  # the SDK's spelling
        ("if_w_gt_300,w_100/if_else,w_50/if_end", (400, 300), (100, 75)),
        ("if_ar_gt_1,w_10", (100, 300), (100, 300)),
        ("if_ar_gt_1,w_10/w_20", (100, 300), (20, 60)),
        ("if_ar_gt_3:4_and_w_gt_300_and_h_gt_200,c_crop,w_300,h_200", (400, 300), (300, 200)),
        ("if_w_lt_100_or_h_eq_300/w_10/if_end", (400, 300), (10, 8)),
        ("if_w_ne_h/w_10/if_end", (300, 300), (300, 300)),
        ("if_w_gt_100/if_h_gt_1000/w_10/if_else/w_20/if_end/if_end", (400, 300), (20, 15)),
        ("if_w_lt_100/if_h_gt_1000/w_10/if_else/w_20/if_end/if_end", (400, 300), (400, 300)),
        ("w_200/if_w_eq_200/h_50/if_end", (400, 300), (67, 50)),  # w is the current width
        ("w_200/if_iw_eq_400/h_50/if_end", (400, 300), (67, 50)),
        ("if_iar_gte_1.33/w_10/if_end", (400, 300), (10, 8)),
        ("if_pc_gt_1/w_10/if_end", (400, 300), (400, 300)),
    ],
)
def test_conditions(text, size, expected):
    assert plan(text, *size)[1] == expected


def test_face_count_tags_and_context():
    from edge.imaging.ops import Box

    face = (Box(10, 10, 50, 50),)
    assert plan("if_fc_gt_0/e_blur_faces/if_end", faces=face)[0][0].regions == face
    assert plan("if_fc_gt_0/e_blur_faces/if_end")[0] == ()
    assert isinstance(plan("if_!sale!_in_tags/e_sepia/if_end", tags=("sale", "new"))[0][0], Filter)
    assert plan("if_!sale!_nin_tags/e_sepia/if_end", tags=("sale",))[0] == ()
    assert isinstance(plan("if_ctx:!kind!_eq_!shoes!/e_sepia/if_end", context={"kind": "shoes"})[0][0], Filter)
    assert plan("if_ctx:!kind!_eq_!!/e_sepia/if_end", context={})[0] != ()


def test_variables_and_arithmetic():
    assert plan("$size_100/w_$size_mul_2")[1] == (200, 150)
    assert plan("w_iw_div_4,h_ih_div_2")[0] == (Resize(100, 150),)
    assert plan("$a_10,$b_$a_add_5_mul_2/w_$b")[1] == (20, 15)  # * before +
    assert plan("$s_3/w_2_pow_$s")[1] == (8, 6)
    assert plan("$small_50/if_w_gt_$small/w_$small/if_end")[1] == (50, 38)
    with pytest.raises(InvalidTransformation, match=r"Undefined variable - \$nope"):
        plan("w_$nope")
    with pytest.raises(InvalidTransformation):
        plan("$z_0/w_10_div_$z")


def test_unbalanced_blocks_are_400():
    with pytest.raises(InvalidTransformation, match="if_end without if"):
        plan("w_10/if_end")
    with pytest.raises(InvalidTransformation, match="if_else without if"):
        plan("if_else")
    with pytest.raises(InvalidTransformation):
        parse_chain("if_w_gt")


@pytest.mark.parametrize(
    "transformation, size",
    [
        ([{"if": "w > 300 && ar < 1.5", "width": 100}, {"if": "else", "width": 50}, {"if": "end"}], (100, 75)),
        ([{"variables": [["$size", "200"]]}, {"width": "$size * 2", "height": "initial_width / 4"}], (400, 100)),
        ([{"$size": 120, "width": "$size"}, {"if": "face_count > 0", "effect": "blur_faces"}], (120, 90)),
    ],
)
def test_sdk_spelling(transformation, size):
    url, _ = cloudinary.utils.cloudinary_url("x", cloud_name="demo", transformation=transformation, format="png")
    chain = parse_delivery_path(url.split("res.cloudinary.com", 1)[1]).chain
    p = make_plan(chain, 400, 300, 10_000, PlanContext())
    assert (p.width, p.height) == size


def test_variables_are_set_before_their_components_condition():
    assert plan("if_$small_lt_w,$small_iw_div_4,w_$small")[1] == (100, 75)


def test_render_takes_tags_and_context_for_conditions():
    from edge.grammar.values import OutputFormat
    from edge.imaging.encode import OutputSpec
    from edge.imaging.limits import Limits
    from edge.imaging.render import render
    from tests.helpers.images import geometry_png

    chain = parse_chain("if_!sale!_in_tags/w_10/if_end/if_ctx:!kind!_eq_!shoe!/h_4/if_end")
    assert render(geometry_png(), chain, OutputSpec(OutputFormat.PNG), Limits()).width == 400
    tagged = render(geometry_png(), chain, OutputSpec(OutputFormat.PNG), Limits(), tags=("sale",), context={"kind": "shoe"})
    assert (tagged.width, tagged.height) == (5, 4)


def test_face_count_references_are_found():
    from edge.grammar.expressions import references

    assert references(parse_chain("if_fc_gt_0/e_sepia/if_end"), "face_count")
    assert references(parse_chain("$n_fc_mul_2/w_10"), "face_count")
    assert not references(parse_chain("l_text:Arial_10:fc_gt/fl_layer_apply"), "face_count")


def test_layers_see_the_chains_variables():
    from edge.imaging.ops import Layer

    ops, _ = plan("$mark_50/l_logo,w_$mark/fl_layer_apply", layers={"logo": (200, 100)})
    (layer,) = [op for op in ops if isinstance(op, Layer)]
    assert layer.ops == (Resize(50, 25),)
