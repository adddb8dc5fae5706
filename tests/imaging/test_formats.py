"""Animation (every frame, timing kept, pg_, frame limit, f_auto), extra input formats
(HEIC, TIFF, BMP) and SVG sanitising."""

import io
import time
import xml.etree.ElementTree as ElementTree

import pytest
import pyvips
from PIL import Image

from edge.errors import InvalidImage, InvalidTransformation, SourceTooLarge
from edge.grammar.chain import parse_chain
from edge.grammar.values import OutputFormat
from edge.imaging import runtime
from edge.imaging.encode import OutputSpec, negotiate
from edge.imaging.formats import expanded_elements, sanitise_svg, sniff
from edge.imaging.limits import Limits
from edge.imaging.render import render
from tests.helpers.images import COLOURS, animation, frames_of, near, pixel

runtime.configure()
@pytest.mark.parametrize("source", ["gif", "webp"])
@pytest.mark.parametrize("fmt", [OutputFormat.GIF, OutputFormat.WEBP])
def test_animated_in_animated_out_every_frame_resized(source, fmt):
    rendered = render(animation(source), parse_chain("c_fill,w_40,h_40"), OutputSpec(fmt), Limits())
    out = frames_of(rendered.data)
    assert (rendered.width, rendered.height) == (40, 40)
    assert out.get("n-pages") == 4 and out.get("page-height") == 40 and out.width == 40
    assert out.get("delay") == [100, 200, 300, 400] and out.get("loop") == 2
    for index, colour in enumerate(COLOURS):
        assert near(pixel(out, 20, 40 * index + 20)[:3], colour, 30), index


def test_effects_and_layers_apply_to_every_frame():
    rendered = render(animation(), parse_chain("w_40/e_negate"), OutputSpec(OutputFormat.GIF), Limits())
    out = frames_of(rendered.data)
    assert near(pixel(out, 5, 5)[:3], (0, 255, 255), 30) and near(pixel(out, 5, 30 + 5)[:3], (255, 0, 255), 30)


def test_page_takes_one_frame_and_still_formats_take_the_first():
    rendered = render(animation(), parse_chain("pg_3,w_20"), OutputSpec(OutputFormat.PNG), Limits())
    assert near(pixel(pyvips.Image.new_from_buffer(rendered.data, ""), 5, 5)[:3], (0, 0, 255), 30)
    still = render(animation(), parse_chain("w_20"), OutputSpec(OutputFormat.JPEG), Limits())
    assert near(pixel(pyvips.Image.new_from_buffer(still.data, ""), 5, 5), (255, 0, 0), 30)
    with pytest.raises(InvalidTransformation, match="Invalid page - 9"):
        render(animation(), parse_chain("pg_9"), OutputSpec(OutputFormat.PNG), Limits())


def test_f_auto_keeps_animation():
    modern = negotiate("auto", None, frozenset(), "image/avif,image/webp,*/*")
    rendered = render(animation(), parse_chain("w_20"), modern, Limits())
    assert rendered.format is OutputFormat.WEBP and frames_of(rendered.data).get("n-pages") == 4
    legacy = negotiate("auto", None, frozenset(), "*/*")
    assert render(animation(), parse_chain("w_20"), legacy, Limits()).format is OutputFormat.GIF


def test_frames_count_towards_the_limits():
    with pytest.raises(SourceTooLarge, match="Too many frames"):
        render(animation(), parse_chain("w_20"), OutputSpec(OutputFormat.GIF), Limits(max_frames=3))
    with pytest.raises(SourceTooLarge):  # 4 frames of 80x60 = 19200 pixels
        render(animation(), parse_chain("w_20"), OutputSpec(OutputFormat.GIF), Limits(max_source_pixels=10_000))
    render(animation(), parse_chain("pg_1,w_20"), OutputSpec(OutputFormat.PNG), Limits(max_source_pixels=10_000))


def _pillow(fmt: str, size=(40, 30), colour=(200, 10, 10)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt, kind", [("HEIF", "heic"), ("BMP", "bmp"), ("TIFF", None)])
def test_extra_input_formats(fmt, kind):
    data = _pillow(fmt)
    assert sniff(data) == kind
    rendered = render(data, parse_chain("w_20"), OutputSpec(OutputFormat.PNG), Limits())
    assert (rendered.width, rendered.height) == (20, 15)
    assert near(pixel(pyvips.Image.new_from_buffer(rendered.data, ""), 5, 5), (200, 10, 10), 12)


def test_pillow_decoded_formats_check_the_pixel_limit_first():
    with pytest.raises(SourceTooLarge):
        render(_pillow("BMP", (400, 300)), parse_chain("w_20"), OutputSpec(OutputFormat.PNG), Limits(max_source_pixels=1000))


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="50" onload="alert(1)">
<script>alert(1)</script><style>@import url(http://evil.test/a.css);</style>
<rect width="100" height="50" fill="red" onclick="x()"/>
<image xlink:href="file:///etc/passwd" width="10" height="10"/><image href="http://evil.test/x.png" width="10" height="10"/>
<foreignObject><p>x</p></foreignObject><circle cx="25" cy="25" r="20" style="fill:url(http://evil.test/x)"/>
<use xlink:href="#local"/></svg>"""


def test_svg_is_sanitised():
    clean = sanitise_svg(SVG).decode()
    for bad in ("script", "onload", "onclick", "foreignObject", "file:", "evil.test", "@import"):
        assert bad not in clean, bad
    assert 'href="#local"' in clean and "<rect" in clean


def test_svg_is_rasterised_at_the_requested_size():
    rendered = render(SVG, parse_chain("w_200"), OutputSpec(OutputFormat.PNG), Limits())
    image = pyvips.Image.new_from_buffer(rendered.data, "")
    assert (image.width, image.height) == (200, 100) and near(pixel(image, 150, 50), (255, 0, 0, 255), 5)


def test_unsafe_svg_is_refused():
    entity = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">&x;</svg>'
    with pytest.raises(InvalidImage):
        render(entity, parse_chain("w_20"), OutputSpec(OutputFormat.PNG), Limits())
    with pytest.raises(InvalidImage):
        sanitise_svg(b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>')
    huge = b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>'
    with pytest.raises(SourceTooLarge):
        render(huge, parse_chain("w_20"), OutputSpec(OutputFormat.PNG), Limits())


def _nested_use(levels: int, fan: int = 10) -> bytes:
    """"Billion laughs" in SVG: each level draws the previous one `fan` times (fan**levels rects)."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">',
             '<defs><rect id="l0" width="1" height="1" fill="red"/>']
    for level in range(1, levels + 1):
        uses = "".join(f'<use xlink:href="#l{level - 1}" x="{j % 5}"/>' for j in range(fan))
        parts.append(f'<g id="l{level}">{uses}</g>')
    parts.append(f'</defs><use href="#l{levels}"/></svg>')
    return "".join(parts).encode()


@pytest.mark.parametrize("levels", [6, 9, 30])
def test_svg_reference_amplification_is_refused_at_once(levels):
    started = time.perf_counter()
    with pytest.raises(SourceTooLarge, match="SVG too complex") as caught:
        render(_nested_use(levels), parse_chain("w_20"), OutputSpec(OutputFormat.PNG), Limits())
    assert time.perf_counter() - started < 1.0
    assert caught.value.status == 413  # the over-limit class: a 4xx with X-Cld-Error, as for rasters


def test_svg_amplification_counts_url_references_and_refuses_cycles():
    fills = "".join(f'<rect width="1" height="1" fill="url(#p{i - 1})" id="p{i}"/>' for i in range(1, 3))
    pattern = ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><pattern id="p0" width="1" height="1">'
               + "<rect width='1' height='1'/>" * 50 + f"</pattern>{fills}</svg>").encode()
    assert expanded_elements(ElementTree.fromstring(sanitise_svg(pattern))) > 100
    with pytest.raises(SourceTooLarge):
        sanitise_svg(pattern, max_elements=100)
    cycle = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g id="a"><use xlink:href="#a"/></g></svg>'
    with pytest.raises(InvalidImage):
        sanitise_svg(cycle)


def test_svg_with_modest_reuse_still_renders():
    rendered = render(_nested_use(3), parse_chain("w_50"), OutputSpec(OutputFormat.PNG), Limits())  # 1,000 rects
    assert pyvips.Image.new_from_buffer(rendered.data, "").width == 50


def test_png8_lossy_and_metadata_flags():
    photo = pyvips.Image.new_from_array(__import__("skimage.data").data.astronaut()).copy(interpretation="srgb")
    data = photo.jpegsave_buffer(Q=90)
    full = render(data, parse_chain("w_200"), OutputSpec(OutputFormat.PNG), Limits())
    palette = render(data, parse_chain("w_200,fl_png8"), OutputSpec(OutputFormat.PNG), Limits())
    lossy = render(data, parse_chain("w_200,fl_lossy"), OutputSpec(OutputFormat.PNG), Limits())
    assert len(palette.data) < len(full.data) * 0.7 and len(lossy.data) < len(full.data) * 0.7
    assert pyvips.Image.new_from_buffer(palette.data, "").get("bits-per-sample") <= 8
    gif = render(animation(), parse_chain("w_40,fl_lossy"), OutputSpec(OutputFormat.GIF), Limits())
    assert frames_of(gif.data).get("n-pages") == 4
    with_icc = photo.icc_transform("srgb").copy().jpegsave_buffer(keep="icc")
    kept = render(with_icc, parse_chain("w_50"), OutputSpec(OutputFormat.JPEG), Limits())
    stripped = render(with_icc, parse_chain("w_50,fl_strip_profile"), OutputSpec(OutputFormat.JPEG), Limits())
    assert "icc-profile-data" in pyvips.Image.new_from_buffer(kept.data, "").get_fields()
    assert "icc-profile-data" not in pyvips.Image.new_from_buffer(stripped.data, "").get_fields()


def test_delay_sets_every_frames_timing():
    rendered = render(animation(), parse_chain("w_20,dl_50"), OutputSpec(OutputFormat.WEBP), Limits())
    assert frames_of(rendered.data).get("delay") == [50, 50, 50, 50]


async def test_svg_amplification_over_http_is_a_413_naming_it_at_once(client, storage):
    """The whole path: the over-limit error class answers 413 with X-Cld-Error, well under a second."""
    (storage / "demo" / "laughs.svg").write_bytes(_nested_use(9))
    started = time.perf_counter()
    response = await client.get("/demo/image/upload/w_20/laughs.png")
    assert time.perf_counter() - started < 1.0
    assert response.status == 413
    assert response.headers["X-Cld-Error"].startswith("SVG too complex")
