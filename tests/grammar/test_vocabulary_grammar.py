"""The grammar of issue 16's vocabulary, without pixels: values, client hints, variables."""

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import bind_constants, parse_chain, parse_component, resolve
from edge.grammar.expressions import assign
from edge.grammar.hints import ClientHints, apply_hints, hints_used
from edge.grammar.values import AutoWidth, Dimension, OutputFormat, Pages, Quality


@pytest.mark.parametrize("raw, quality", [
    ("q_75:420", Quality(value=75, chroma=420)), ("q_75:444", Quality(value=75, chroma=444)),
    ("q_60:qmax_80", Quality(value=60, qmax=80)), ("q_auto:eco:444", Quality(auto_level="eco", chroma=444)),
])
def test_quality_options(raw, quality):
    assert parse_component(raw).quality == quality


@pytest.mark.parametrize("raw", ["q_75:422", "q_75:420:420", "q_75:qmax_x", "q_auto:fast"])
def test_bad_quality_options_are_invalid(raw):
    with pytest.raises(InvalidTransformation, match="^Invalid quality"):
        parse_component(raw)


@pytest.mark.parametrize("raw, pages, selected", [
    ("pg_2-4", Pages(((2, 4),)), (2, 3, 4)), ("pg_1;3", Pages(((1, 1), (3, 3))), (1, 3)),
    ("pg_3-", Pages(((3, None),)), (3, 4, 5)), ("pg_4;1-2;9", Pages(((4, 4), (1, 2), (9, 9))), (4, 1, 2)),
])
def test_page_ranges(raw, pages, selected):
    assert parse_component(raw).page == pages and pages.select(5) == selected


@pytest.mark.parametrize("raw", ["pg_0", "pg_3-2", "pg_a-b", "pg_1;;2"])
def test_bad_pages_are_invalid(raw):
    with pytest.raises(InvalidTransformation, match="^Invalid page"):
        parse_component(raw)


@pytest.mark.parametrize("raw, canonical", [
    ("b_auto", "auto:border"), ("b_auto:predominant_gradient", "auto:predominant_gradient:2:horizontal"),
    ("b_auto:border_gradient_contrast:4:diagonal_asc", "auto:border_gradient_contrast:4:diagonal_asc"),
    ("b_auto:predominant:palette_red_00ff00", "auto:predominant:palette_red_00ff00"),
    ("b_blurred", "blurred:100:0"), ("b_blurred:400:-20", "blurred:400:-20"),
])
def test_background_modes(raw, canonical):
    assert parse_component(raw).background == canonical


@pytest.mark.parametrize("raw", ["b_auto:border:4", "b_auto:predominant_gradient:3", "b_auto:border:palette_notacolour",
                                 "b_blurred:0", "b_blurred:1:2:3"])
def test_bad_background_modes_are_invalid(raw):
    with pytest.raises(InvalidTransformation, match="^Invalid"):
        parse_component(raw)


@pytest.mark.parametrize("extension, fmt", [("tif", OutputFormat.TIFF), ("heif", OutputFormat.HEIC), ("jxl", OutputFormat.JXL)])
def test_format_names(extension, fmt):
    assert parse_component(f"f_{extension}").format is fmt


def test_client_hints_resolve_into_the_canonical_text():
    chain = parse_chain("c_scale,dpr_auto,w_200/c_scale,w_auto:100:300")
    assert chain.components[1].width == AutoWidth(100, 300)
    assert hints_used(chain) == ("Sec-CH-DPR", "DPR", "Sec-CH-Width", "Width")
    resolved = apply_hints(chain, ClientHints(dpr=2.5, width=420))
    assert resolved.canonical == "c_scale,dpr_2.5,w_200/c_scale,w_500"
    assert resolved.components[0].dpr == 2.5 and resolved.components[1].width == Dimension(500)
    assert apply_hints(chain, ClientHints()).canonical == "c_scale,dpr_1.0,w_200/c_scale,w_300"
    assert apply_hints(parse_chain("w_auto"), ClientHints()).canonical == ""


@pytest.mark.parametrize("headers, hints", [
    ({"Sec-CH-DPR": "2", "DPR": "3"}, ClientHints(2.0, None)), ({"DPR": "1.333"}, ClientHints(1.33, None)),
    ({"Sec-CH-Width": "nope", "Width": "300.2"}, ClientHints(None, 301)), ({"DPR": "-1", "Width": "0"}, ClientHints()),
    ({"DPR": "40"}, ClientHints(8.0, None)),
])
def test_hint_headers(headers, hints):
    assert ClientHints.from_headers(headers) == hints


def test_variables_set_in_any_order_and_used_anywhere():
    t = parse_component("$fx_!sepia!,e_$fx:$lvl,$lvl_$base_mul_2,$base_20")
    variables: dict = {}
    assign(t, variables)
    assert variables == {"$fx": "sepia", "$lvl": 40.0, "$base": 20.0}
    effect = resolve(t, variables).effect
    assert (effect.name, effect.args.level) == ("sepia", 40.0)


def test_casts():
    t = parse_component("$s_!12.7!,w_$s_to_i_mul_2,h_$s_to_f")
    variables: dict = {}
    assign(t, variables)
    resolved = resolve(t, variables)
    assert resolved.width == Dimension(24) and resolved.height == Dimension(13)


def test_constant_variables_are_bound_before_planning():
    chain = bind_constants(parse_chain("$t_!Hello!/l_text:Arial_12:$(t)/fl_layer_apply"))
    assert chain.components[1].overlay.text == "Hello" and chain.components[1].templates == ()


@pytest.mark.parametrize("component, message", [
    ("e_blur_region:5000,g_ocr_text", "Unsupported gravity - ocr_text"),  # named before the out-of-range level
    ("g_auto:bicycle_30", "Unsupported gravity - auto:bicycle_30 (object gravities"),
    ("g_person", "Unsupported gravity - person (object gravities"),
    ("if_ils_gt_0.5", "Unsupported condition operand - ils"),
    ("$v_ref:!file!", "Unsupported variable value - ref:!file!"),
    ("w_breakpoints", "Invalid width"),
    ("w_auto:breakpoints", "Unsupported width - auto:breakpoints"),
    ("b_gen_fill", "Unsupported background - gen_fill"),
    ("pg_embedded:1", "Unsupported page - embedded:1"),
])
def test_unsupported_is_named(component, message):
    with pytest.raises(InvalidTransformation) as info:
        parse_component(component)
    assert info.value.public_message.startswith(message)


def test_g_auto_custom_no_override_is_g_auto():
    assert parse_component("g_auto:custom_no_override").gravity.value == "auto"
