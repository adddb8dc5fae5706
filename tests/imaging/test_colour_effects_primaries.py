"""Every colour effect on saturated primaries (and secondaries), not only on photographs: the
output has the documented look whatever the input colour (issue: e_sepia left blue blue)."""

import math

import pytest
import pyvips

from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import decode, pixel, solid_png

runtime.configure()

PRIMARIES = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
    "yellow": (255, 255, 0), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
}


def flat(colour) -> bytes:
    return solid_png(colour, 32, 24)


def rendered(text: str, colour) -> tuple[int, int, int]:
    out = render(flat(colour), parse_chain(text), OutputSpec(OutputFormat.PNG), Limits())
    return pixel(decode(out.data), 10, 10)[:3]


def lab(rgb) -> tuple[float, float, float]:
    return tuple((pyvips.Image.black(1, 1) + list(rgb)).cast("uchar").copy(interpretation="srgb").colourspace("lab").getpoint(0, 0))


def hue(rgb) -> float:
    _, a, b = lab(rgb)
    return math.degrees(math.atan2(b, a)) % 360


def chroma(rgb) -> float:
    _, a, b = lab(rgb)
    return math.hypot(a, b)


def luma(rgb) -> float:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def is_grey(rgb, tolerance=2) -> bool:
    return max(rgb) - min(rgb) <= tolerance


def hue_near(got: float, want: float, tolerance: float) -> bool:
    return abs((got - want + 180) % 360 - 180) <= tolerance


@pytest.mark.parametrize("name", PRIMARIES)
@pytest.mark.parametrize("text", ["e_sepia", "e_sepia:100", "e_sepia:50"])
def test_sepia_is_a_warm_brown_for_every_colour(text, name):
    got = rendered(text, PRIMARIES[name])
    assert got[0] > got[1] > got[2], got  # red over green over blue: warm, never blue or green
    assert 40 <= hue(got) <= 100, (got, hue(got))  # orange-brown hues in Lab
    assert chroma(got) >= 3, got  # a tone, not plain grey
    # The tone follows the luma: a darker input stays darker.
    assert abs(luma(got) - luma(PRIMARIES[name])) <= 0.2 * luma(PRIMARIES[name]) + 25, got


def test_sepia_orders_primaries_by_their_luma():
    lumas = {name: luma(rendered("e_sepia", colour)) for name, colour in PRIMARIES.items()}
    assert lumas["blue"] < lumas["red"] < lumas["magenta"] < lumas["green"] < lumas["cyan"] < lumas["yellow"]


@pytest.mark.parametrize("name", PRIMARIES)
@pytest.mark.parametrize("text", ["e_grayscale", "e_saturation:-100", "e_simulate_colorblind:rod_monochromacy"])
def test_grey_effects_leave_no_colour(text, name):
    got = rendered(text, PRIMARIES[name])
    assert is_grey(got), got


@pytest.mark.parametrize("name", PRIMARIES)
def test_grayscale_keeps_the_luma(name):
    got = rendered("e_grayscale", PRIMARIES[name])
    assert abs(got[0] - luma(PRIMARIES[name])) <= 2, got


@pytest.mark.parametrize("name", PRIMARIES)
@pytest.mark.parametrize("level", [20, 50, 80])
def test_blackwhite_is_black_or_white_by_the_luma_threshold(name, level):
    got = rendered(f"e_blackwhite:{level}", PRIMARIES[name])
    expected = 255 if luma(PRIMARIES[name]) > level * 2.55 else 0
    assert got == (expected,) * 3, got


@pytest.mark.parametrize("name", PRIMARIES)
@pytest.mark.parametrize("colour, colour_hue", [("rgb:ff0000", hue((255, 0, 0))), ("rgb:0000ff", hue((0, 0, 255))),
                                                ("rgb:008000", hue((0, 128, 0)))])
def test_colorize_takes_the_hue_of_the_colour(name, colour, colour_hue):
    got = rendered(f"e_colorize,co_{colour}", PRIMARIES[name])
    assert chroma(got) > 10, got
    assert hue_near(hue(got), colour_hue, 30), (got, hue(got), colour_hue)


@pytest.mark.parametrize("name", PRIMARIES)
def test_colorize_zero_keeps_the_input(name):
    assert rendered("e_colorize:0,co_red", PRIMARIES[name]) == PRIMARIES[name]


@pytest.mark.parametrize("name", PRIMARIES)
def test_full_tint_maps_the_luma_onto_the_tint_colour(name):
    got = rendered("e_tint:100:blue", PRIMARIES[name])
    # black -> blue -> white by luma: red and green always equal, blue at least as high.
    assert abs(got[0] - got[1]) <= 2 and got[2] >= got[0], got
    assert not is_grey(got) or got[2] == 255, got


@pytest.mark.parametrize("name", PRIMARIES)
def test_partial_tint_moves_every_colour_towards_the_tint(name):
    source = PRIMARIES[name]
    got = rendered("e_tint:60:green", source)
    full = rendered("e_tint:100:green", source)
    for channel in range(3):  # 60 % of the way from the input to the full tint
        assert abs(got[channel] - (0.4 * source[channel] + 0.6 * full[channel])) <= 3, (got, full)


@pytest.mark.parametrize("name", PRIMARIES)
def test_negate_gives_the_complement(name):
    assert rendered("e_negate", PRIMARIES[name]) == tuple(255 - c for c in PRIMARIES[name])


@pytest.mark.parametrize("name", PRIMARIES)
def test_hue_half_turn_gives_the_opposite_hue(name):
    source = PRIMARIES[name]
    got = rendered("e_hue:100", source)  # 180 degrees in LCh; out-of-gamut results clip towards blue
    assert not hue_near(hue(got), hue(source), 100), (got, hue(got), hue(source))


@pytest.mark.parametrize("name", PRIMARIES)
def test_channel_effects_change_only_their_channel(name):
    source = PRIMARIES[name]
    assert rendered("e_red:-100", source) == (0, source[1], source[2])
    assert rendered("e_green:-100", source) == (source[0], 0, source[2])
    assert rendered("e_blue:-100", source) == (source[0], source[1], 0)


@pytest.mark.parametrize("name", PRIMARIES)
def test_brightness_scales_without_changing_the_hue(name):
    source = PRIMARIES[name]
    got = rendered("e_brightness:-50", source)
    assert got == tuple(round(c / 2) for c in source) or all(abs(g - c / 2) <= 1 for g, c in zip(got, source)), got


@pytest.mark.parametrize("name", PRIMARIES)
def test_saturation_and_vibrance_keep_the_hue(name):
    source = PRIMARIES[name]
    for text in ("e_saturation:-50", "e_vibrance:-50"):
        got = rendered(text, source)
        assert chroma(got) < chroma(source) - 5, (text, got)
        assert hue_near(hue(got), hue(source), 12), (text, got, hue(got), hue(source))


@pytest.mark.parametrize("name", PRIMARIES)
def test_replace_color_swaps_the_named_colour_only(name):
    source = PRIMARIES[name]
    got = rendered("e_replace_color:rgb:ff00ff:10:rgb:ffff00", source)
    if name == "yellow":
        assert hue_near(hue(got), hue((255, 0, 255)), 20), got
    else:
        assert got == source, got
