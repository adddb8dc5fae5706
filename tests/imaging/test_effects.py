"""Effects and shape/colour parameters on decoded pixels, plus perceptual-hash goldens."""

import functools

import pytest
import pyvips
import skimage.data

from edge.grammar.chain import parse_chain
from edge.grammar.params import EFFECTS
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.imaging.render import render
import itertools

from tests.golden import COLOUR_THRESHOLD, THRESHOLD, Signature, assert_matches, case_file, colour_distance, differs, distance, phash
from tests.helpers.images import BLUE, GREEN, RED, YELLOW, decode, geometry, geometry_png, near, pixel, with_alpha_png
from tests.helpers.images import solid_png as flat

runtime.configure()
GEOMETRY = geometry_png()  # 400x300: red | green / blue | yellow


@functools.cache
def astronaut() -> bytes:
    return pyvips.Image.new_from_array(skimage.data.astronaut()).copy(interpretation="srgb").jpegsave_buffer(Q=90)


def run(text, data=GEOMETRY, fmt=OutputFormat.PNG):
    rendered = render(data, parse_chain(text), OutputSpec(fmt), Limits())
    image = decode(rendered.data)
    assert (image.width, image.height) == (rendered.width, rendered.height)
    return image


# --- goldens: every effect on a real photograph ----------------------------------------------

GOLDEN_CASES = [f"e_{name}" for name in EFFECTS if name not in ("replace_color", "overlay", "multiply", "screen", "mask", "anti_removal")] + [
    "e_blackwhite:30", "e_sepia:50", "e_brightness:-50", "e_contrast:80", "e_saturation:-100", "e_hue:40", "e_gamma:-40",
    "e_vibrance:100", "e_tint:equalize:80:red:blue", "e_colorize:60,co_red", "e_red:80", "e_blur:800", "e_pixelate:12",
    "e_vignette:80", "e_gradient_fade:symmetric:40", "e_noise:50", "e_oil_paint:80", "e_cartoonify:80:bw",
    "e_outline:inner:6", "e_shadow:80,x_-10,y_10,co_blue", "e_replace_color:green:60:orange", "e_ordered_dither:9",
    "e_simulate_colorblind:tritanopia", "e_blur_region:900,w_60,h_60,x_30,y_20", "r_40", "r_max", "r_10:40",
    "r_30,bo_6px_solid_red", "bo_8px_solid_rgb:00ff00", "o_40", "a_45,b_black", "c_pad,w_160,h_96,b_auto",
    "c_pad,w_160,h_96,b_auto:predominant_contrast",
]


@pytest.mark.parametrize("text", GOLDEN_CASES)
def test_effect_goldens(text):
    image = run(f"w_128/{text}", data=astronaut())
    assert_matches("effects", text, image)


def test_goldens_tell_effects_apart():
    """The hash is not blind: a negated or flipped photo is far from the plain one."""
    plain = phash(run("w_128", data=astronaut()))
    for other in ("w_128/e_negate", "w_128/a_hflip", "w_128/e_pixelate:30", "w_128/e_cartoonify"):
        assert distance(plain, phash(run(other, data=astronaut()))) > THRESHOLD, other


# The golden cases whose look differs by colour (or, for e_pixelate, from every colour effect).
# e_saturation:-100 is left out: it removes all colour, as e_grayscale does, by definition.
COLOUR_GOLDENS = [
    "e_grayscale", "e_blackwhite", "e_blackwhite:30", "e_sepia", "e_negate", "e_brightness", "e_brightness:-50",
    "e_contrast:80", "e_saturation", "e_hue", "e_hue:40", "e_gamma:-40", "e_vibrance:100", "e_tint",
    "e_tint:equalize:80:red:blue", "e_colorize:60,co_red", "e_red:80", "e_simulate_colorblind",
    "e_simulate_colorblind:tritanopia", "e_cartoonify:80:bw", "e_improve", "e_pixelate",
]


@pytest.mark.parametrize("pair", list(itertools.combinations(COLOUR_GOLDENS, 2)), ids=" vs ".join)
def test_goldens_tell_each_pair_of_colour_effects_apart(pair):
    """A golden that could not fail for a wrong colour would prove nothing (the greyscale hash
    matched e_sepia, e_brightness:-50 and e_pixelate to e_grayscale)."""
    a, b = (Signature.parse(case_file("effects", case).read_text()) for case in pair)
    assert differs(a, b), f"{pair}: shape {distance(a.shape, b.shape)} bits, colour {colour_distance(a, b):.1f}"


def test_sepia_brightness_and_pixelate_differ_from_grayscale_by_colour_alone():
    grey = Signature.parse(case_file("effects", "e_grayscale").read_text())
    for case in ("e_sepia", "e_brightness:-50", "e_pixelate"):
        other = Signature.parse(case_file("effects", case).read_text())
        assert colour_distance(grey, other) > COLOUR_THRESHOLD, case


def test_a_wrong_colour_fails_the_golden():
    sepia = run("w_128/e_sepia", data=astronaut())
    assert_matches("effects", "e_sepia", sepia)
    with pytest.raises(AssertionError, match="colour distance"):
        assert_matches("effects", "e_sepia", run("w_128/e_grayscale", data=astronaut()))
    with pytest.raises(AssertionError, match="colour distance"):
        assert_matches("effects", "e_sepia", run("w_128/e_sepia/e_blue:60", data=astronaut()))


# --- colour effects on flat colours ----------------------------------------------------------

@pytest.mark.parametrize(
    "text, source, expected",
    [
        ("e_grayscale", RED, (76, 76, 76)),
        ("e_blackwhite", RED, (0, 0, 0)),
        ("e_blackwhite", YELLOW, (255, 255, 255)),
        ("e_blackwhite:20", RED, (255, 255, 255)),
        ("e_negate", RED, (0, 255, 255)),
        ("e_sepia:100", (100, 100, 100), (135, 120, 94)),
        ("e_brightness:50", (100, 100, 100), (150, 150, 150)),
        ("e_brightness:-50", (100, 100, 100), (50, 50, 50)),
        ("e_contrast:100", (200, 200, 200), (255, 255, 255)),
        ("e_contrast:-100", (200, 60, 10), (128, 128, 128)),
        ("e_saturation:-100", RED, (128, 128, 128)),
        ("e_red:50", (100, 100, 100), (150, 100, 100)),
        ("e_green:-50", (100, 100, 100), (100, 50, 100)),
        ("e_blue:100", (100, 100, 100), (100, 100, 200)),
        ("e_gamma:100", (64, 64, 64), (128, 128, 128)),
        ("e_colorize,co_blue", (128, 128, 128), None),
        ("e_simulate_colorblind:rod_monochromacy", RED, (76, 76, 76)),
        ("e_simulate_colorblind", RED, (159, 178, 0)),
        ("e_hue:100", (200, 50, 50), None),
    ],
    ids=lambda v: str(v),
)
def test_colour_effects_on_flat_colours(text, source, expected):
    image = run(text, data=flat(source))
    got = pixel(image, 10, 10)
    if expected is None:
        assert got[:3] != tuple(source)
        return
    assert near(got, expected, 12), got


def test_colorize_takes_the_hue_of_the_colour_and_keeps_lightness():
    got = pixel(run("e_colorize,co_blue", data=flat((128, 128, 128))), 5, 5)
    assert got[2] > got[0] + 40 and got[2] > got[1] + 40
    half = pixel(run("e_colorize:0,co_blue", data=flat((128, 128, 128))), 5, 5)
    assert near(half, (128, 128, 128), 2)


def test_hue_rotates_red_towards_green_or_blue():
    got = pixel(run("e_hue:67", data=flat((220, 30, 30))), 5, 5)  # +120 degrees
    assert got[0] < 150 and max(got[1], got[2]) > 100


def test_tint_maps_dark_to_the_first_colour_and_light_to_the_last():
    dark = pixel(run("e_tint:100:red:blue", data=flat((10, 10, 10))), 5, 5)
    light = pixel(run("e_tint:100:red:blue", data=flat((245, 245, 245))), 5, 5)
    assert dark[0] > 200 and dark[2] < 60 and light[2] > 200 and light[0] < 60


def test_auto_levels_stretch_a_dull_image():
    dull = (pyvips.Image.xyz(100, 10)[0] * 0.5 + 60).cast("uchar")
    data = dull.bandjoin([dull, dull]).copy(interpretation="srgb").pngsave_buffer()
    for effect in ("e_auto_contrast", "e_auto_brightness", "e_improve"):
        image = run(effect, data=data)
        assert pixel(image, 99, 5)[0] > 200 and pixel(image, 0, 5)[0] < 30, effect
    balanced = run("e_auto_color", data=flat((200, 100, 100)))
    r, g, b = pixel(balanced, 5, 5)
    assert abs(r - g) < 5 and abs(g - b) < 5


def test_vibrance_boosts_dull_colours_more():
    got = pixel(run("e_vibrance:100", data=flat((140, 110, 110))), 5, 5)
    assert got[0] - got[1] > 30


# --- blur, sharpen, pixelate, noise on geometry --------------------------------------------

def test_blur_mixes_only_near_edges():
    image = run("e_blur:400")
    assert near(pixel(image, 20, 20), RED, 5)
    edge = pixel(image, 200, 75)  # red | green boundary
    assert 40 < edge[0] < 220 and 40 < edge[1] < 220


def test_blur_region_blurs_only_the_region():
    image = run("e_blur_region:800,w_100,h_100,x_150,y_25")
    inside, outside = pixel(image, 200, 75), pixel(image, 200, 200)
    assert 40 < inside[0] < 220  # blurred boundary inside the region
    assert outside in (BLUE, YELLOW) or near(outside, BLUE, 0) or near(outside, YELLOW, 0)


def test_pixelate_makes_constant_blocks():
    stripes = (pyvips.Image.xyz(64, 64)[0] % 2 * 255).cast("uchar")
    data = stripes.bandjoin([stripes, stripes]).copy(interpretation="srgb").pngsave_buffer()
    image = run("e_pixelate:8", data=data)
    assert pixel(image, 0, 0) == pixel(image, 7, 7) and 100 < pixel(image, 3, 3)[0] < 155
    region = run("e_pixelate_region:8,w_16,h_16,x_0,y_0", data=data)
    assert 100 < pixel(region, 3, 3)[0] < 155 and pixel(region, 40, 40)[0] in (0, 255)


def test_sharpen_and_unsharp_mask_raise_edge_contrast_only():
    for effect in ("e_sharpen:500", "e_unsharp_mask:500"):
        image = run(effect)
        assert near(pixel(image, 50, 50), RED, 3)
        assert pixel(image, 198, 50)[0] >= 250 and pixel(image, 198, 50)[1] <= 5, effect


def test_noise_varies_a_flat_image():
    image = run("e_noise:60", data=flat((128, 128, 128), 100, 100))
    assert image.deviate() > 10
    assert run("e_noise:0", data=flat((128, 128, 128))).deviate() == 0


def test_oil_paint_and_cartoonify_keep_size():
    assert (run("e_oil_paint").width, run("e_cartoonify").height) == (400, 300)
    assert near(pixel(run("e_oil_paint:100"), 50, 50), RED, 3)


def test_ordered_dither_uses_few_levels():
    ramp = (pyvips.Image.xyz(256, 8)[0]).cast("uchar")
    data = ramp.bandjoin([ramp, ramp]).copy(interpretation="srgb").pngsave_buffer()
    image = run("e_ordered_dither", data=data)
    values = {pixel(image, x, y)[0] for x in range(0, 256, 3) for y in range(8)}
    assert values <= {0, 255}
    assert len({pixel(run("e_ordered_dither:18", data=data), x, 4)[0] for x in range(256)}) <= 8


def test_vignette_darkens_corners_not_the_centre():
    image = run("e_vignette:100", data=flat((200, 200, 200), 200, 200))
    assert near(pixel(image, 100, 100), (200, 200, 200), 3) and pixel(image, 0, 0)[0] < 40


def test_gradient_fade_fades_to_transparent_at_the_bottom():
    image = run("e_gradient_fade:50", data=flat((200, 0, 0), 100, 100))
    assert image.bands == 4 and pixel(image, 50, 10)[3] == 255 and pixel(image, 50, 99)[3] < 10
    assert 100 < pixel(image, 50, 75)[3] < 160
    sideways = run("e_gradient_fade:50,x_1", data=flat((200, 0, 0), 100, 100))
    assert pixel(sideways, 99, 50)[3] < 10 and pixel(sideways, 10, 50)[3] == 255


# --- transparency, trim, colour replacement ------------------------------------------------

def test_make_transparent_clears_the_named_colour():
    image = run("e_make_transparent:10,co_red")
    assert image.bands == 4 and pixel(image, 20, 20)[3] == 0 and pixel(image, 380, 20)[3] == 255
    corner = run("e_make_transparent")  # default: the top-left pixel's colour
    assert pixel(corner, 20, 20)[3] == 0 and pixel(corner, 20, 280)[3] == 255


def test_trim_cuts_a_solid_border():
    bordered = geometry(100, 60).embed(30, 20, 160, 100, extend="white").pngsave_buffer()
    image = run("e_trim", data=bordered)
    assert (image.width, image.height) == (100, 60) and near(pixel(image, 2, 2), RED, 5)
    then = run("e_trim/w_50", data=bordered)  # the next component plans on the trimmed size
    assert (then.width, then.height) == (50, 30)


def test_replace_color_with_and_without_a_source():
    image = run("e_replace_color:blue:30:red")
    got = pixel(image, 20, 20)
    assert got[2] > 150 and got[0] < 100, got
    assert near(pixel(image, 380, 20), GREEN, 10)
    picked = run("e_replace_color:blue", data=flat((230, 20, 20)))
    assert pixel(picked, 5, 5)[2] > 150


# --- size-changing effects -----------------------------------------------------------------

def test_shadow_and_outline_grow_the_canvas_exactly():
    image = run("e_shadow:100,x_10,y_20,co_black", data=flat((255, 255, 255), 100, 50))
    assert (image.width, image.height) == (100 + 10 + 24, 50 + 20 + 24)
    assert pixel(image, 60, 80)[3] > 100 and pixel(image, 12, 12)[:3] == (255, 255, 255)
    outline = run("e_outline:outer:5,co_blue", data=flat((255, 255, 255), 100, 50))
    assert (outline.width, outline.height) == (110, 60)
    assert near(pixel(outline, 2, 30), BLUE, 10) and near(pixel(outline, 50, 30), (255, 255, 255), 3)


def test_outline_follows_the_alpha_shape():
    image = run("e_outline:outer:4,co_black", data=with_alpha_png())  # opaque left half only
    assert image.width == 208
    assert pixel(image, 106, 50)[3] == 255 and pixel(image, 106, 50)[0] < 10  # just right of the shape
    assert pixel(image, 150, 50)[3] == 0


# --- shape and colour: r, bo, o, b ---------------------------------------------------------

def test_rounded_corners_transparent_on_png_background_on_jpeg():
    image = run("r_40")
    assert image.bands == 4 and pixel(image, 0, 0)[3] == 0 and pixel(image, 40, 40)[3] == 255
    assert pixel(image, 200, 0)[3] == 255
    jpeg = run("r_40,b_black", fmt=OutputFormat.JPEG)
    assert near(pixel(jpeg, 1, 1), (0, 0, 0), 20)
    white = run("r_40", fmt=OutputFormat.JPEG)
    assert near(pixel(white, 1, 1), (255, 255, 255), 20)


def test_radius_per_corner_and_max():
    image = run("r_0:60")  # top-left/bottom-right square, top-right/bottom-left rounded
    assert pixel(image, 0, 0)[3] == 255 and pixel(image, 399, 0)[3] == 0 and pixel(image, 0, 299)[3] == 0
    ellipse = run("r_max")
    assert pixel(ellipse, 0, 0)[3] == 0 and pixel(ellipse, 200, 1)[3] > 100 and pixel(ellipse, 1, 150)[3] > 100
    assert pixel(ellipse, 30, 30)[3] == 0


def test_border_adds_exact_width():
    image = run("bo_5px_solid_blue")
    assert (image.width, image.height) == (410, 310)
    assert near(pixel(image, 2, 2), BLUE, 3) and near(pixel(image, 10, 10), RED, 3)
    rounded = run("r_30,bo_4px_solid_rgb:00ff00")
    assert (rounded.width, rounded.height) == (408, 308)
    assert pixel(rounded, 0, 0)[3] == 0 and near(pixel(rounded, 200, 1), GREEN, 5)


def test_opacity_scales_alpha_and_flattens_on_jpeg():
    image = run("o_50")
    assert image.bands == 4 and abs(pixel(image, 20, 20)[3] - 128) <= 1
    jpeg = run("o_50", fmt=OutputFormat.JPEG)  # on white
    assert near(pixel(jpeg, 20, 20), (255, 128, 128), 15)


def test_background_auto_pads_with_the_border_colour():
    data = flat((30, 140, 70), 100, 100)
    image = run("c_pad,w_200,h_100,b_auto", data=data, fmt=OutputFormat.JPEG)
    assert near(pixel(image, 5, 50), (30, 140, 70), 8)
    contrast = run("c_pad,w_200,h_100,b_auto:border_contrast", data=data, fmt=OutputFormat.JPEG)
    assert near(pixel(contrast, 5, 50), (225, 115, 185), 8)


def test_auto_rotation_matches_the_box_orientation():
    image = run("a_auto_right,w_150,h_200")  # landscape input, portrait box: rotate first
    assert (image.width, image.height) == (150, 200)
    assert near(pixel(image, 140, 10), RED, 20)  # clockwise: top-left red goes top-right
    left = run("a_auto_left,c_fill,w_150,h_200")
    assert near(pixel(left, 10, 190), RED, 20)
    assert (run("a_auto_right,w_200,h_150").width) == 200  # orientations agree: no rotation


def test_a_killed_render_stops_between_steps():
    from edge.errors import RenderTimeout
    from edge.imaging.abort import Abort

    abort = Abort()
    abort.kill()
    with pytest.raises(RenderTimeout):
        render(GEOMETRY, parse_chain("e_blur/e_sepia"), OutputSpec(OutputFormat.PNG), Limits(), abort)


def test_angle_ignore_keeps_the_stored_orientation():
    from tests.helpers.images import geometry_jpeg

    data = geometry_jpeg(orientation=6)  # stored 400x300, displayed 300x400
    assert (run("w_150", data=data).width, run("w_150", data=data).height) == (150, 200)
    ignored = run("a_ignore,w_200", data=data)
    assert (ignored.width, ignored.height) == (200, 150) and near(pixel(ignored, 10, 10), RED, 30)


def test_colour_space_density_and_metadata_flags_render():
    assert run("cs_srgb,w_100").width == 100 and run("cs_tinysrgb,dn_150,w_100").width == 100
    photo = pyvips.Image.new_from_buffer(astronaut(), "").icc_transform("srgb").copy().jpegsave_buffer(keep="icc")
    for flags, icc in [("", True), ("fl_keep_iptc", True), ("fl_force_strip", False), ("fl_preserve_transparency", True)]:
        chain = f"w_50,{flags}" if flags else "w_50"
        image = decode(render(photo, parse_chain(chain), OutputSpec(OutputFormat.JPEG), Limits()).data)
        assert ("icc-profile-data" in image.get_fields()) is icc, flags
