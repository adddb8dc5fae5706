"""The new parameters of the table: e_ (ranges, defaults, unsupported), r, bo, co, o, z, cs, l/u, t, pg, fl."""

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain, parse_component
from edge.grammar.named import expand, parse_named
from edge.grammar.params import EFFECTS, PARAMS
from edge.grammar.effect_args import Cartoonify, Colorblind, Effect, Level, ModeLevel, Outline, ReplaceColor, Tint, Trim
from edge.grammar.values import Border, Colour, LayerSource, Radius, TextStyle


def parse(code, raw):
    return PARAMS[code].parse(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("grayscale", Effect("grayscale")),
        ("blur", Effect("blur", Level(100.0))),
        ("blur:300", Effect("blur", Level(300.0))),
        ("blur:", Effect("blur", Level(100.0))),  # an empty positional argument takes the default
        ("trim::red", Effect("trim", Trim(10.0, Colour(255, 0, 0)))),
        ("brightness:-99", Effect("brightness", Level(-99.0))),
        ("sepia", Effect("sepia", Level(80.0))),
        ("vignette", Effect("vignette", Level(20.0))),
        ("pixelate_faces:12", Effect("pixelate_faces", Level(12.0))),
        ("simulate_colorblind:protanopia", Effect("simulate_colorblind", Colorblind("protanopia"))),
        ("trim:20:white", Effect("trim", Trim(20.0, Colour(255, 255, 255)))),
        ("trim", Effect("trim", Trim(10.0, None))),
        ("tint:equalize:80:red:rgb:00ff00", Effect("tint", Tint(True, 80.0, (Colour(255, 0, 0), Colour(0, 255, 0))))),
        ("tint", Effect("tint", Tint(False, 60.0, (Colour(255, 0, 0),)))),
        ("replace_color:ff0000:30:blue", Effect("replace_color", ReplaceColor(Colour(255, 0, 0), 30.0, Colour(0, 0, 255)))),
        ("improve:indoor:50", Effect("improve", ModeLevel("indoor", 50.0))),
        ("outline:inner:3:200", Effect("outline", Outline("inner", 3.0, 200.0))),
        ("outline", Effect("outline", Outline("both", 5.0, 0.0))),
        ("cartoonify:20:bw", Effect("cartoonify", Cartoonify(20.0, "bw"))),
        ("gradient_fade:symmetric:30", Effect("gradient_fade", ModeLevel("symmetric", 30.0))),
    ],
    ids=lambda v: str(v),
)
def test_effects_parse_with_defaults(raw, expected):
    assert parse("e", raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("blur:0", "Invalid blur level - 0"),
        ("blur:2001", "Invalid blur level - 2001"),
        ("brightness:abc", "Invalid brightness level - abc"),
        ("sepia:1:2", "Invalid sepia parameters"),
        ("nonsense", "Invalid effect - nonsense"),
        ("simulate_colorblind:purple", "Invalid simulate_colorblind mode - purple"),
        ("background_removal", "Unsupported effect - background_removal"),
        ("gen_remove:prompt_x", "Unsupported effect - gen_remove"),
        ("replace_color", "Invalid replace_color parameters"),
        ("improve:", "Invalid improve level - $"),  # the free-form syntaxes take no empty level
        ("outline:inner:3:200:1", "Invalid outline parameters"),
    ],
)
def test_bad_and_unsupported_effects_are_400_naming_them(raw, message):
    with pytest.raises(InvalidTransformation, match=message):
        parse("e", raw)


def test_every_effect_has_a_step_function():
    from edge.imaging.effects import effect_names

    assert set(EFFECTS) == set(effect_names())


def test_shape_and_colour_parameters():
    assert parse("r", "20") == Radius((20, 20, 20, 20))
    assert parse("r", "10:20") == Radius((10, 20, 10, 20))
    assert parse("r", "1:2:3") == Radius((1, 2, 3, 2))
    assert parse("r", "1:2:3:4") == Radius((1, 2, 3, 4))
    assert parse("r", "max") == Radius(max=True)
    assert parse("bo", "4px_solid_black") == Border(4, Colour(0, 0, 0))
    assert parse("bo", "2px_solid_rgb:ff000080") == Border(2, Colour(255, 0, 0, 128))
    assert parse("co", "rgb:00ff00") == Colour(0, 255, 0)
    assert parse("o", "35") == 35
    assert parse("z", "1.5") == 1.5
    assert parse("cs", "srgb") == "srgb"
    assert parse("b", "auto") == "auto:border" and parse("b", "auto:predominant") == "auto:predominant"
    assert parse("a", "auto_right") == ("auto_right",) and parse("a", "ignore") == ("ignore",)
    assert parse("pg", "2") == 2
    for code, raw in [("r", "a"), ("r", "1:2:3:4:5"), ("bo", "4px_dashed_red"), ("o", "101"), ("z", "0"),
                      ("cs", "lab"), ("b", "auto:nope"), ("pg", "0"), ("co", "notacolour")]:
        with pytest.raises(InvalidTransformation):
            parse(code, raw)


def test_layers_parse():
    assert parse("l", "logo") == LayerSource(public_id="logo")
    assert parse("l", "brand:logos:main") == LayerSource(public_id="brand/logos/main")
    text = parse("l", "text:Arial_40_bold_italic_underline_letter_spacing_5_line_spacing_-2:Hello%2C%20world%2Fnow")
    assert text.text == "Hello, world/now"
    assert text.style == TextStyle("Arial", 40, bold=True, italic=True, underline=True, letter_spacing=5, line_spacing=-2)
    assert parse("l", "text:Open%20Sans_12_center:x").style.align == "center"
    assert parse("l", "fetch:aHR0cDovL3gvYS5wbmc=") == LayerSource(public_id="fetch:http://x/a.png")
    assert parse("l", "fetch:aHR0cDovL3gvYS5wbmc") == LayerSource(public_id="fetch:http://x/a.png")  # padding optional
    for raw, message in [("fetch:ZmlsZTovLy9ldGMvcGFzc3dk", "Invalid fetch layer"), ("fetch:!!", "Invalid fetch layer"),
                         ("video:dog", "Unsupported layer type - video"),
                         ("text:Arial:Hi", "Invalid text style"), ("text:Arial_12_wobbly:Hi", "Invalid text style - wobbly"),
                         ("a:..:b", "Invalid layer")]:
        with pytest.raises(InvalidTransformation, match=message):
            parse("l", raw)


def test_flags_known_unsupported_and_combined():
    t = parse_component("fl_layer_apply.relative,fl_tiled")
    assert t.flags == {"layer_apply", "relative", "tiled"}
    assert parse("fl", "attachment:my_photo") == {"attachment:my_photo"}
    with pytest.raises(InvalidTransformation, match="Unsupported flag - apng"):
        parse("fl", "apng")
    with pytest.raises(InvalidTransformation, match="Invalid flag - nope"):
        parse("fl", "nope")
    chain = parse_chain("fl_attachment:photo/w_10,fl_immutable_cache")
    assert chain.flag_value("attachment") == "photo" and chain.has_flag("immutable_cache")
    assert chain.flag_value("getinfo") is None


def test_layer_ids_are_collected_for_the_service():
    chain = parse_chain("l_a:b/fl_layer_apply/u_c,w_10/l_text:Arial_10:x")
    assert chain.layer_ids == {"a/b", "c"}


NAMED = parse_named("thumb=c_fill,w_150,h_150;round=t_thumb/r_max;loop1=t_loop2;loop2=t_loop1;"
                    "deep1=t_deep2;deep2=t_deep3;deep3=t_deep4;deep4=t_deep5;deep5=t_deep6;deep6=w_1")


def test_named_transformations_expand():
    assert expand(parse_chain("t_thumb"), NAMED).canonical == "c_fill,h_150,w_150"
    assert expand(parse_chain("t_round/e_sepia"), NAMED).canonical == "c_fill,h_150,w_150/r_max/e_sepia"
    assert expand(parse_chain("t_thumb.round"), NAMED).canonical == "c_fill,h_150,w_150/c_fill,h_150,w_150/r_max"
    assert expand(parse_chain("t_thumb,e_grayscale"), NAMED).canonical == "c_fill,h_150,w_150/e_grayscale"
    plain = parse_chain("w_10")
    assert expand(plain, NAMED) is plain


def test_named_limits():
    with pytest.raises(InvalidTransformation, match="Unknown named transformation - nope"):
        expand(parse_chain("t_nope"), NAMED)
    with pytest.raises(InvalidTransformation, match="cycle - loop1 -> loop2 -> loop1"):
        expand(parse_chain("t_loop1"), NAMED)
    with pytest.raises(InvalidTransformation, match="nested too deep"):
        expand(parse_chain("t_deep1"), NAMED)
    with pytest.raises(InvalidTransformation):
        parse_named("broken")


def test_attachment_names_cannot_carry_header_tricks():
    for bad in ("a\r\nSet-Cookie: x", 'a"b', "a;b", "a/b"):
        with pytest.raises(InvalidTransformation, match="Invalid attachment name"):
            parse("fl", f"attachment:{bad}")


def test_a_bad_named_definition_is_a_settings_error():
    from edge.errors import SettingsError
    from edge.grammar.named import parse_named_settings

    with pytest.raises(SettingsError, match="EDGE_TRANSFORMATIONS_NAMED: Invalid width - zz"):
        parse_named_settings("thumb=w_zz")
