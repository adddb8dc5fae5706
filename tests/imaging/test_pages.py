"""Page ranges of animated and multi-page originals, and fl_animated/fl_awebp with every output."""

import pytest
import pyvips

from edge.errors import InvalidTransformation
from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import near, pixel
from tests.helpers.images import COLOURS, animation, frames_of

runtime.configure()


@pytest.mark.parametrize("chain, fmt, expected", [
    ("pg_2-3,w_20", OutputFormat.GIF, [1, 2]),
    ("pg_4;1,w_20", OutputFormat.WEBP, [3, 0]),
    ("pg_3-,w_20", OutputFormat.TIFF, [2, 3]),
])
def test_a_range_of_frames(chain, fmt, expected):
    rendered = render(animation(), parse_chain(chain), OutputSpec(fmt), Limits())
    out = frames_of(rendered.data)
    assert out.get("n-pages") == len(expected) and rendered.height == 15
    for index, frame in enumerate(expected):
        assert near(pixel(out, 5, 15 * index + 5)[:3], COLOURS[frame], 30), (chain, index)


def test_a_range_past_the_end_is_invalid():
    with pytest.raises(InvalidTransformation, match="Invalid page - no page in the range"):
        render(animation(), parse_chain("pg_7-9"), OutputSpec(OutputFormat.GIF), Limits())


@pytest.mark.parametrize("flags, fmt, pages", [
    ("fl_animated", OutputFormat.WEBP, 4), ("fl_awebp", OutputFormat.WEBP, 4), ("fl_animated", OutputFormat.GIF, 4),
    ("fl_animated.awebp", OutputFormat.WEBP, 4), ("fl_animated", OutputFormat.TIFF, 4), ("fl_animated", OutputFormat.JPEG, 1),
    ("fl_animated", OutputFormat.HEIC, 1), ("", OutputFormat.TIFF, 1),
])
def test_animated_flags_with_each_output(flags, fmt, pages):
    rendered = render(animation(), parse_chain(f"{flags + ',' if flags else ''}w_20"), OutputSpec(fmt), Limits())
    if fmt in (OutputFormat.GIF, OutputFormat.WEBP, OutputFormat.TIFF):
        out = frames_of(rendered.data)
        assert (out.get("n-pages") if "n-pages" in out.get_fields() else 1) == pages
    assert rendered.height == 15


@pytest.mark.parametrize("fmt", [OutputFormat.PNG, OutputFormat.AVIF])
def test_animation_libvips_cannot_write_is_named(fmt):
    with pytest.raises(InvalidTransformation, match=f"^Unsupported flag - animated with f_{fmt.extension} "):
        render(animation(), parse_chain("fl_animated,w_20"), OutputSpec(fmt), Limits())


def test_f_auto_with_fl_awebp_is_an_animated_webp():
    rendered = render(animation(), parse_chain("fl_awebp,w_20"), negotiate("auto", None, frozenset({"awebp"}), "image/avif,image/webp"),
                      Limits())
    assert rendered.format is OutputFormat.WEBP and frames_of(rendered.data).get("n-pages") == 4


def test_multi_page_tiff_original_pages():
    pages = [(pyvips.Image.black(30, 20) + list(c)).cast("uchar") for c in COLOURS[:3]]
    tiff = pyvips.Image.arrayjoin(pages, across=1).copy(interpretation="srgb")
    tiff.set_type(pyvips.GValue.gint_type, "page-height", 20)
    data = tiff.tiffsave_buffer()
    single = render(data, parse_chain("pg_2"), OutputSpec(OutputFormat.PNG), Limits())
    assert near(pixel(pyvips.Image.new_from_buffer(single.data, ""), 3, 3), COLOURS[1], 5)
    ranged = frames_of(render(data, parse_chain("pg_1;3"), OutputSpec(OutputFormat.GIF), Limits()).data)
    assert ranged.get("n-pages") == 2 and near(pixel(ranged, 3, 23)[:3], COLOURS[2], 30)
