"""Image and text layers on decoded pixels: placement, layer transformations, blend modes, limits."""

import pytest
import pyvips

from edge.errors import ResourceNotFound, SourceTooLarge
from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import BLUE, GREEN, RED, YELLOW, decode, geometry_png, near, pixel, solid_png, with_alpha_png

runtime.configure()
GEOMETRY = geometry_png()  # 400x300: red | green / blue | yellow


def square(colour, size=40, alpha=None) -> bytes:
    return solid_png(colour, size, size, alpha)


LAYERS = {"marks/white": square((255, 255, 255)), "marks/black": square((0, 0, 0)), "half": with_alpha_png(40, 20),
          "grey": square((128, 128, 128))}


def run(text, data=GEOMETRY, fmt=OutputFormat.PNG, limits=Limits()):
    rendered = render(data, parse_chain(text), OutputSpec(fmt), limits, layers=LAYERS)
    image = decode(rendered.data)
    return image


def test_overlay_at_gravity_with_offsets():
    image = run("l_marks:white/fl_layer_apply,g_south_east,x_10,y_10")
    assert (image.width, image.height) == (400, 300) and image.bands == 3
    assert near(pixel(image, 370, 270), (255, 255, 255), 2) and near(pixel(image, 395, 295), YELLOW, 2)
    centre = run("l_marks:white/fl_layer_apply")
    assert near(pixel(centre, 200, 150), (255, 255, 255), 2) and near(pixel(centre, 175, 125), RED, 2)


def test_overlay_with_its_own_transformations():
    image = run("l_marks:white/c_scale,w_100,h_20/e_negate/fl_layer_apply,g_north_west")
    assert near(pixel(image, 90, 10), (0, 0, 0), 2) and near(pixel(image, 110, 10), RED, 2)
    assert near(pixel(image, 50, 25), RED, 2)


def test_single_component_layer_and_relative_width():
    image = run("l_marks:black,w_0.5,fl_relative,g_north_west")
    assert near(pixel(image, 190, 190), (0, 0, 0), 2) and near(pixel(image, 210, 10), GREEN, 2)


def test_layer_after_resize_and_effects_after_layer():
    image = run("w_200/l_marks:white/fl_layer_apply,g_north_west/e_negate")
    assert (image.width, image.height) == (200, 150)
    assert near(pixel(image, 10, 10), (0, 0, 0), 2) and near(pixel(image, 190, 10), (255, 0, 255), 2)


def test_alpha_overlay_opacity_and_tiling():
    half = run("l_half/fl_layer_apply,g_north_west", data=square((0, 0, 0), 100))  # opaque left 20 px, clear right
    assert near(pixel(half, 5, 5), RED, 2) and near(pixel(half, 5, 15), BLUE, 2) and near(pixel(half, 30, 5), (0, 0, 0), 2)
    faded = run("l_marks:white/fl_layer_apply,g_north_west,o_50")
    assert near(pixel(faded, 10, 10), (255, 128, 128), 3)
    tiled = run("l_marks:black,w_10,h_10/fl_layer_apply,fl_tiled")
    assert near(pixel(tiled, 5, 5), (0, 0, 0), 2) and near(pixel(tiled, 395, 295), (0, 0, 0), 2)


def test_blend_modes():
    multiplied = run("l_grey,w_400,h_300/fl_layer_apply,e_multiply")
    assert near(pixel(multiplied, 10, 10), (128, 0, 0), 4)
    screened = run("l_grey,w_400,h_300/fl_layer_apply,e_screen")
    assert near(pixel(screened, 10, 10), (255, 128, 128), 4)
    masked = run("l_marks:white/fl_layer_apply,g_north_west,e_mask")
    assert masked.bands == 4 and pixel(masked, 10, 10)[3] == 255 and pixel(masked, 100, 100)[3] == 0
    cut = run("l_half/fl_layer_apply,g_north_west,fl_cutter")
    assert pixel(cut, 10, 10)[3] == 255 and pixel(cut, 30, 10)[3] == 0 and near(pixel(cut, 10, 10), RED, 2)


def test_underlay_shows_through_transparent_parts():
    image = run("u_marks:black,w_200,h_100/fl_layer_apply,g_east", data=with_alpha_png())
    assert near(pixel(image, 150, 50), (0, 0, 0), 2) and near(pixel(image, 50, 20), RED, 2)


def test_text_layer_is_drawn_in_its_colour():
    image = run("l_text:DejaVu%20Sans_40_bold:Hi%2C there,co_rgb:0000ff/fl_layer_apply,g_north_west",
                data=(pyvips.Image.black(400, 100) + 255).cast("uchar").bandjoin([255, 255]).copy(interpretation="srgb").pngsave_buffer())
    blue = image.extract_area(0, 0, 300, 60)
    assert blue[2].max() == 255 and blue[0].min() < 40  # blue glyphs on white
    assert near(pixel(image, 390, 90), (255, 255, 255), 2)


def test_text_layer_styles_change_the_size():
    base = (pyvips.Image.black(10, 10)).cast("uchar").bandjoin([0, 0]).copy(interpretation="srgb").pngsave_buffer()
    plain = render(base, parse_chain("l_text:DejaVu%20Sans_30:Hello/fl_layer_apply"), OutputSpec(OutputFormat.PNG), Limits())
    spaced = parse_chain("l_text:DejaVu%20Sans_30_letter_spacing_20:Hello").components[0]
    assert spaced.overlay.style.letter_spacing == 20
    assert plain.width > 50  # the canvas grows to hold the text, as Cloudinary's does
    clipped = render(base, parse_chain("l_text:DejaVu%20Sans_30:Hello/fl_layer_apply,fl_no_overflow"), OutputSpec(OutputFormat.PNG), Limits())
    assert (clipped.width, clipped.height) == (10, 10)
    from edge.imaging.effects.bands import BLACK
    from edge.imaging.layers import render_text

    def width(**style):
        options = dict(bold=False, italic=False, underline=False, strikethrough=False, align="left", letter_spacing=0,
                       line_spacing=0, colour=BLACK, background=None, max_pixels=10**7)
        options.update(style)
        return render_text("Hello", "DejaVu Sans", 30, **options).width

    assert width(letter_spacing=20) > width() + 50 and width(bold=True) >= width()


def test_missing_layer_names_it():
    with pytest.raises(ResourceNotFound, match="Layer not found - nowhere/logo"):
        render(GEOMETRY, parse_chain("l_nowhere:logo/fl_layer_apply"), OutputSpec(OutputFormat.PNG), Limits(), layers={})


def test_layers_count_towards_the_pixel_limit():
    big = {"big": square((1, 2, 3), 300)}
    with pytest.raises(SourceTooLarge):
        render(GEOMETRY, parse_chain("l_big/fl_layer_apply"), OutputSpec(OutputFormat.PNG), Limits(max_source_pixels=150_000), layers=big)
    render(GEOMETRY, parse_chain("w_10"), OutputSpec(OutputFormat.PNG), Limits(max_source_pixels=150_000))


def test_layer_on_jpeg_output_and_blue_quadrant():
    image = run("l_marks:white/fl_layer_apply,g_south_west", fmt=OutputFormat.JPEG)
    assert near(pixel(image, 10, 290), (255, 255, 255), 12) and near(pixel(image, 60, 290), BLUE, 12)


def test_image_layer_keeps_its_colour_for_effects():
    image = run("l_grey,e_colorize,co_blue/fl_layer_apply,g_north_west")
    got = pixel(image, 10, 10)
    assert got[2] > got[0] + 40, got


def test_layer_outside_the_base_extends_the_canvas():
    image = run("l_marks:white/fl_layer_apply,g_north_west,x_-20,y_-10")
    assert (image.width, image.height) == (420, 310)
    assert near(pixel(image, 5, 5)[:3], (255, 255, 255), 2) and near(pixel(image, 30, 20)[:3], (255, 255, 255), 2)
    assert pixel(image, 100, 2)[3] == 0 and near(pixel(image, 100, 20)[:3], RED, 2)
    east = run("l_marks:white/fl_layer_apply,g_east,x_-30", fmt=OutputFormat.JPEG)  # x inwards: -30 = outwards
    assert (east.width, east.height) == (430, 300) and near(pixel(east, 425, 150), (255, 255, 255), 10)


def test_text_with_c_fit_and_width_wraps_instead_of_scaling():
    base = (pyvips.Image.black(400, 300) + 255).cast("uchar").bandjoin([255, 255]).copy(interpretation="srgb").pngsave_buffer()
    text = "l_text:DejaVu%20Sans_20:the quick brown fox jumps over the lazy dog again and again"
    wrapped = run(f"{text},w_150,c_fit/fl_layer_apply,g_north_west", data=base)
    ink = wrapped.extract_area(0, 0, 400, 300).invert()[0]
    columns = ink.project()[0]  # row sums per column: where any ink is
    inked = [x for x in range(400) if columns.getpoint(x, 0)[0] > 0]
    assert max(inked) < 155 and ink.extract_area(0, 40, 150, 20).max() > 0  # several lines, none wider than 150
