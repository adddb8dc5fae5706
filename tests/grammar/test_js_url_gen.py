"""Every transformation component that @cloudinary/url-gen's own test suite expects its builders
to write (js_url_gen_transformations.txt, extracted from cloudinary/js-url-gen's __TESTS__) is
either understood here or answered "Unsupported ... (reason)". The few left are not URLs
Cloudinary would render either: SDK tests of string building with made-up values, listed below
with why."""

from pathlib import Path

import pytest

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_component

SPELLINGS = [line for line in (Path(__file__).parent / "js_url_gen_transformations.txt").read_text().splitlines()
             if line and not line.startswith("#")]

NOT_RENDERABLE = {
    "a_1,b_2,c_3,fl_a,fl_b": "made-up values (a test of parameter sorting)",
    "fl_abc": "made-up flag", "fl_abc.def": "made-up flags", "fl_bar,fl_foo": "made-up flags",
    "fl_first_flag,fl_second_flag,l_sample": "made-up flags", "fl_single_flag": "made-up flag",
    "e_sepia:-10": "out of e_sepia's documented range (1-100): a test that the SDK passes values through",
    "h_100,l_text:hello,w_100": "a text layer needs <font>_<size> (Cloudinary answers 400 too)",
    "l_text:hello": "a text layer needs <font>_<size> (Cloudinary answers 400 too)",
    "t_blip%20blop": "a named transformation's name holds no space",
    # Fragments that the extraction took for components (text styles, colour-blind modes, SDK option names).
    "adv_eyes": "g_ value, not a component", "adv_face": "g_ value, not a component", "adv_faces": "g_ value, not a component",
    "al_dente": "e_art: value, not a component", "api_key": "SDK option name", "api_secret": "SDK option name",
    "cone_monochromacy": "e_simulate_colorblind: value", "rod_monochromacy": "e_simulate_colorblind: value",
    "full_hd": "streaming profile name", "full_hd_lean": "streaming profile name", "full_hd_wifi": "streaming profile name",
    "hd_lean": "streaming profile name", "keep_cmyk": "cs_ value", "no_cmyk": "cs_ value", "red_rock": "e_art: value",
}


def test_the_extract_is_broad():
    assert len(SPELLINGS) > 400
    for family in ("e_", "b_auto", "g_auto", "if_", "q_", "f_", "l_text", "pg_", "$", "fl_", "cs_icc", "c_"):
        assert any(s.startswith(family) or f",{family}" in s for s in SPELLINGS), family


@pytest.mark.parametrize("component", SPELLINGS)
def test_every_spelling_parses_or_is_named_unsupported(component):
    if component in NOT_RENDERABLE:
        with pytest.raises(InvalidTransformation, match="^Invalid"):
            parse_component(component)
        return
    try:
        parse_component(component)
    except InvalidTransformation as exc:
        assert exc.public_message.startswith("Unsupported "), exc.public_message
        assert exc.public_message.endswith(")"), exc.public_message  # with its reason
