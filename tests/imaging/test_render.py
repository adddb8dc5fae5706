"""Pixels: decode what render() returns and check size, format and colours."""

import pyvips
import pytest

from edge.errors import InvalidImage, SourceTooLarge
from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.probe import probe
from edge.imaging.render import _shrink_on_load, render
from tests.helpers.images import BLUE, GREEN, RED, YELLOW, decode, geometry_jpeg, geometry_png, loader, near, pixel, png_bomb, with_alpha_png

runtime.configure()
GEOMETRY = geometry_png()  # 400x300: red | green / blue | yellow


def run(text: str, data: bytes = GEOMETRY, fmt: OutputFormat | None = OutputFormat.PNG, **spec):
    rendered = render(data, parse_chain(text), OutputSpec(fmt, **spec), Limits())
    image = decode(rendered.data)
    assert (image.width, image.height) == (rendered.width, rendered.height)
    return rendered, image


MODES = [
    ("c_scale,w_200,h_200", (200, 200)),
    ("c_fit,w_200,h_200", (200, 150)),
    ("c_limit,w_800,h_800", (400, 300)),
    ("c_mfit,w_800,h_800", (800, 600)),
    ("c_fill,w_200,h_200", (200, 200)),
    ("c_lfill,w_800,h_100", (400, 100)),
    ("c_pad,w_200,h_200", (200, 200)),
    ("c_lpad,w_500,h_500", (500, 500)),
    ("c_mpad,w_500,h_400", (500, 400)),
    ("c_crop,w_100,h_50", (100, 50)),
    ("c_thumb,w_100,h_100,g_center", (100, 100)),
    ("c_fill_pad,w_200,h_100,g_auto", (200, 100)),
    ("c_auto,w_120,h_120", (120, 120)),
    ("w_0.5,h_0.5", (200, 150)),
    ("c_fill,w_100,h_100,dpr_2.0", (200, 200)),
    ("a_90", (300, 400)),
]


@pytest.mark.parametrize("text, size", MODES, ids=[m[0] for m in MODES])
def test_crop_modes_give_exact_sizes(text, size):
    rendered, image = run(text)
    assert (image.width, image.height) == size
    assert loader(rendered.data) == "png"


@pytest.mark.parametrize(
    "text, corner",
    [
        ("c_crop,w_100,h_100,g_north_west", RED),
        ("c_crop,w_100,h_100,g_north_east", GREEN),
        ("c_crop,w_100,h_100,g_south_west", BLUE),
        ("c_crop,w_100,h_100,g_south_east", YELLOW),
        ("c_crop,w_100,h_100,x_250,y_160", YELLOW),
        ("c_fill,w_100,h_300,g_west", RED),
        ("c_fill,w_100,h_300,g_east", GREEN),
    ],
)
def test_gravity_picks_the_right_quadrant(text, corner):
    _, image = run(text)
    assert near(pixel(image, image.width // 2, 10), corner), pixel(image, image.width // 2, 10)


def test_fill_north_keeps_the_top_strip():
    _, image = run("c_fill,w_400,h_100,g_north")
    assert near(pixel(image, 50, 50), RED) and near(pixel(image, 350, 50), GREEN)
    _, image = run("c_fill,w_400,h_100,g_south")
    assert near(pixel(image, 50, 50), BLUE) and near(pixel(image, 350, 50), YELLOW)


def test_pad_places_the_image_by_gravity_with_the_background():
    _, image = run("c_pad,w_400,h_400,g_north,b_black", fmt=OutputFormat.JPEG)
    assert near(pixel(image, 50, 50), RED) and near(pixel(image, 200, 380), (0, 0, 0))
    _, image = run("c_pad,w_400,h_400", fmt=OutputFormat.JPEG)  # JPEG: white padding
    assert near(pixel(image, 200, 10), (255, 255, 255))
    _, image = run("c_pad,w_400,h_400", fmt=OutputFormat.PNG)  # PNG: transparent padding
    assert image.bands == 4 and pixel(image, 200, 10)[3] == 0 and pixel(image, 200, 200)[3] == 255


def test_rotation_and_flips():
    _, image = run("a_90")  # clockwise: the red top-left goes to the top-right
    assert near(pixel(image, 250, 50), RED) and near(pixel(image, 50, 50), BLUE)
    _, image = run("a_hflip")
    assert near(pixel(image, 50, 50), GREEN)
    _, image = run("a_vflip")
    assert near(pixel(image, 50, 50), BLUE)


def test_exif_orientation_is_applied_and_stripped():
    data = geometry_jpeg(orientation=6)  # stored 400x300, displayed rotated 90 clockwise
    assert (probe(data).width, probe(data).height) == (300, 400)
    rendered, image = run("w_150", data=data, fmt=OutputFormat.JPEG)
    assert (image.width, image.height) == (150, 200)
    assert near(pixel(image, 20, 20), BLUE)  # stored bottom-left is displayed top-left
    assert "orientation" not in image.get_fields() or image.get("orientation") == 1
    assert "exif-data" not in image.get_fields()


@pytest.mark.parametrize("fmt, name", [(OutputFormat.JPEG, "jpeg"), (OutputFormat.PNG, "png"), (OutputFormat.WEBP, "webp"), (OutputFormat.AVIF, "heif"), (OutputFormat.GIF, "gif")])
def test_every_encoder(fmt, name):
    rendered, image = run("c_fill,w_64,h_48", fmt=fmt)
    assert loader(rendered.data) == name and rendered.format is fmt
    assert (image.width, image.height) == (64, 48)
    assert near(pixel(image, 5, 5)[:3], RED, 60)


def test_progressive_jpeg_and_quality():
    rendered, image = run("w_200", fmt=OutputFormat.JPEG, progressive=True)
    assert image.get("interlaced") == 1
    low, _ = run("w_200", data=geometry_jpeg(), fmt=OutputFormat.JPEG, quality=negotiate(None, parse_chain("q_10").last("quality"), frozenset(), "").quality)
    high, _ = run("w_200", data=geometry_jpeg(), fmt=OutputFormat.JPEG, quality=negotiate(None, parse_chain("q_100").last("quality"), frozenset(), "").quality)
    assert len(low.data) < len(high.data)


def test_alpha_with_auto_format():
    data = with_alpha_png()
    legacy = negotiate("auto", None, frozenset(), "image/png,*/*")
    rendered, image = run("w_100", data=data, fmt=legacy.format, by_alpha=legacy.by_alpha)
    assert loader(rendered.data) == "png" and image.hasalpha()
    rendered, image = run("w_100", data=geometry_png(), fmt=None, by_alpha=True)
    assert loader(rendered.data) == "jpeg"
    rendered, image = run("w_100", data=data, fmt=OutputFormat.JPEG)  # flattened on white
    assert near(pixel(image, 90, 10), (255, 255, 255))


def test_original_format_when_none_is_asked():
    rendered, _ = run("w_100", data=geometry_jpeg(), fmt=None)
    assert rendered.format is OutputFormat.JPEG


def test_icc_profile_is_kept():
    image = decode(geometry_jpeg()).icc_transform("srgb")  # attaches libvips' sRGB profile
    data = image.copy().jpegsave_buffer(keep="icc")
    assert "icc-profile-data" in decode(data).get_fields()
    rendered, out = run("w_100", data=data, fmt=OutputFormat.JPEG)
    assert "icc-profile-data" in out.get_fields()


def test_decompression_bomb_is_refused_from_the_header():
    with pytest.raises(SourceTooLarge, match="Image too large"):
        render(png_bomb(), parse_chain("w_100"), OutputSpec(OutputFormat.JPEG), Limits(max_source_pixels=50_000_000))


def test_unreadable_bytes_are_a_422():
    with pytest.raises(InvalidImage) as info:
        render(b"not an image at all" * 10, parse_chain("w_100"), OutputSpec(OutputFormat.JPEG), Limits())
    assert info.value.status == 422
    truncated = geometry_jpeg()[:300]
    with pytest.raises(InvalidImage):
        render(truncated, parse_chain("w_100"), OutputSpec(OutputFormat.JPEG), Limits())


def test_shrink_on_load_factor_matches_sharp():
    assert [_shrink_on_load(r) for r in (1, 1.9, 2, 3.9, 4, 7.9, 8, 10, 100)] == [1, 1, 2, 2, 4, 4, 8, 8, 8]


def test_large_jpeg_is_shrunk_on_load_to_the_exact_size():
    big = (pyvips.Image.black(4000, 3000) + [10, 200, 30]).cast("uchar").copy(interpretation="srgb").jpegsave_buffer()
    rendered, image = run("c_fill,w_400,h_300", data=big, fmt=OutputFormat.JPEG)
    assert (image.width, image.height) == (400, 300)
    assert near(pixel(image, 200, 150), (10, 200, 30))


def test_abort_stops_a_running_render_from_another_thread():
    import threading
    import time

    from edge.errors import RenderTimeout
    from edge.imaging.render import Abort

    big = (pyvips.Image.gaussnoise(3000, 3000) + 0).cast("uchar").bandjoin([128, 128]).copy(interpretation="srgb").pngsave_buffer(compression=1)
    abort = Abort()
    outcome = {}

    def work():
        started = time.perf_counter()
        try:
            render(big, parse_chain("c_scale,w_5000,h_5000/a_33"), OutputSpec(OutputFormat.PNG), Limits(), abort)
            outcome["result"] = "finished"
        except RenderTimeout:
            outcome["result"] = "aborted"
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(0.3)
    abort.kill()
    thread.join(timeout=30)
    assert outcome["result"] == "aborted", outcome
    assert outcome["seconds"] < 5
