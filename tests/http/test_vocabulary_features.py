"""The vocabulary added for issue 16, over HTTP with decoded pixels: the new output formats, PDF
originals (uploaded with the official SDK), client hints, variables and expressions, inline
if/else, b_auto gradients, cs_icc and text antialiasing."""

from __future__ import annotations

import asyncio
import io
import json

import cloudinary.uploader
import pyvips
import pytest
from PIL import Image

from tests.helpers.api import SECRET, signed
from tests.helpers.images import BLUE, GREEN, RED, YELLOW, decode, geometry, near, pixel
from tests.helpers.documents import open_any, three_page_pdf


@pytest.fixture
def vocab(storage):
    (storage / "demo" / "vocab.png").write_bytes(geometry(64, 48).pngsave_buffer())
    (storage / "demo" / "doc.pdf").write_bytes(three_page_pdf())
    return storage


# -- formats ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url, media_type, pil_format", [
    ("/demo/image/upload/vocab.tif", "image/tiff", "TIFF"),
    ("/demo/image/upload/vocab.tiff", "image/tiff", "TIFF"),
    ("/demo/image/upload/f_heif/vocab.png", "image/heic", "HEIF"),
    ("/demo/image/upload/vocab.heic", "image/heic", "HEIF"),
    ("/demo/image/upload/vocab.bmp", "image/bmp", "BMP"),
    ("/demo/image/upload/vocab.ico", "image/x-icon", "ICO"),
    ("/demo/image/upload/vocab.jp2", "image/jp2", "JPEG2000"),
    ("/demo/image/upload/vocab.jxl", "image/jxl", "JXL"),
])
async def test_new_formats_decode_with_their_quadrants(client, vocab, url, media_type, pil_format):
    response = await client.get(url)
    assert response.status == 200 and response.headers["Content-Type"] == media_type
    picture = open_any(await response.read())
    assert picture.format == pil_format and picture.size == (64, 48)
    rgb = picture.convert("RGB")
    for (x, y), colour in (((8, 8), RED), ((56, 8), GREEN), ((8, 40), BLUE), ((56, 40), YELLOW)):
        assert near(rgb.getpixel((x, y)), colour, 30), (url, (x, y), rgb.getpixel((x, y)))


@pytest.mark.parametrize("fmt", ["heic", "jp2", "jxl", "jpg", "avif"])
async def test_quality_applies_to_lossy_formats(client, storage, fmt):
    noise = pyvips.Image.gaussnoise(128, 96, sigma=60, mean=128).cast("uchar").bandjoin([128, 128]).copy(interpretation="srgb")
    (storage / "demo" / "noise.png").write_bytes(noise.pngsave_buffer())
    low = await (await client.get(f"/demo/image/upload/q_10/noise.{fmt}")).read()
    high = await (await client.get(f"/demo/image/upload/q_95/noise.{fmt}")).read()
    assert len(low) < len(high)


async def test_ico_fits_256(client, storage):
    (storage / "demo" / "big.png").write_bytes(geometry(600, 300).pngsave_buffer())
    picture = open_any(await (await client.get("/demo/image/upload/big.ico")).read())
    assert picture.size == (256, 128)


async def test_pdf_output_has_a_page_per_page(client, vocab):
    response = await client.get("/demo/image/upload/pg_1-3/doc.pdf")
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    import pypdfium2

    document = pypdfium2.PdfDocument(await response.read())
    assert len(document) == 3
    colours = [document[i].render().to_pil().convert("RGB").getpixel((5, 5)) for i in range(3)]
    document.close()
    assert [near(c, e, 12) for c, e in zip(colours, (RED, GREEN, BLUE), strict=True)] == [True] * 3


@pytest.mark.parametrize("accept", ["image/heic,image/jxl,image/jp2,*/*", "image/tiff,image/bmp"])
async def test_f_auto_never_picks_the_new_formats(client, vocab, accept):
    response = await client.get("/demo/image/upload/f_auto/vocab.png", headers={"Accept": accept})
    assert response.headers["Content-Type"] in ("image/jpeg", "image/png")


@pytest.mark.parametrize("quality, expected", [("q_80:420", 2), ("q_80:444", 1)])
async def test_chroma_subsampling(client, vocab, quality, expected):
    data = await (await client.get(f"/demo/image/upload/{quality}/vocab.jpg")).read()
    picture = Image.open(io.BytesIO(data))
    sampling = picture.layer[0][1:3]  # luma's (horizontal, vertical) sampling factors
    assert sampling == (expected, expected)


# -- PDF originals ---------------------------------------------------------------------------

async def _sdk_upload(client, data: bytes, **options):
    def call():
        return cloudinary.uploader.upload(io.BytesIO(data), cloud_name="demo", api_key="edge", api_secret=SECRET,
                                          upload_prefix=f"http://127.0.0.1:{client.port}", **options)

    return await asyncio.get_running_loop().run_in_executor(None, call)


async def test_pdf_upload_reports_pages_and_delivers_them(client, storage):
    body = await _sdk_upload(client, three_page_pdf(), public_id="docs/three")
    assert body["pages"] == 3 and body["format"] == "pdf"
    assert (body["width"], body["height"]) == (150, 75)  # 72x36 pt at 150 dpi
    first = decode(await (await client.get("/demo/image/upload/docs/three.png")).read())
    assert (first.width, first.height) == (150, 75) and near(pixel(first, 10, 10), RED, 10)
    second = decode(await (await client.get("/demo/image/upload/pg_2/docs/three.png")).read())
    assert near(pixel(second, 10, 10), GREEN, 10)
    small = decode(await (await client.get("/demo/image/upload/dn_72,pg_3/docs/three.png")).read())
    assert (small.width, small.height) == (72, 36) and near(pixel(small, 10, 10), BLUE, 10)


@pytest.mark.parametrize("url, frames, colours", [
    ("/demo/image/upload/pg_1-3,w_40/doc.gif", 3, [RED, GREEN, BLUE]),
    ("/demo/image/upload/pg_3;1/doc.webp", 2, [BLUE, RED]),
    ("/demo/image/upload/pg_2-/doc.tif", 2, [GREEN, BLUE]),
])
async def test_pdf_page_ranges_make_multi_page_results(client, vocab, url, frames, colours):
    response = await client.get(url)
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = pyvips.Image.new_from_buffer(await response.read(), "", n=-1)
    height = image.get("page-height")
    assert image.height // height == frames
    for index, colour in enumerate(colours):
        assert near(pixel(image, 5, index * height + 5), colour, 12), (url, index)


async def test_a_range_into_a_single_image_format_takes_its_first_page(client, vocab):
    image = decode(await (await client.get("/demo/image/upload/pg_2-3/doc.png")).read())
    assert near(pixel(image, 5, 5), GREEN, 10)


async def test_malformed_pdf_is_a_4xx(client, storage):
    (storage / "demo" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF")
    response = await client.get("/demo/image/upload/broken.png")
    assert 400 <= response.status < 500 and response.headers["X-Cld-Error"]
    import aiohttp

    form = aiohttp.FormData(signed({"public_id": "broken"}))
    form.add_field("file", b"%PDF-1.4 garbage", filename="b.pdf")
    upload = await client.post("/v1_1/demo/image/upload", data=form)
    assert upload.status == 400


async def test_pdf_limits(client_for, make_settings, vocab):
    client = await client_for(make_settings(EDGE_LIMITS_MAX_SOURCE_PIXELS="20000", EDGE_TRANSFORMATIONS_MAX_FRAMES="2"))
    too_dense = await client.get("/demo/image/upload/dn_600/doc.png")
    assert too_dense.status == 413
    too_many = await client.get("/demo/image/upload/dn_36,pg_1-3/doc.gif")
    assert too_many.status == 413 and "frames" in too_many.headers["X-Cld-Error"]
    missing = await client.get("/demo/image/upload/pg_9/doc.png")
    assert missing.status == 400 and missing.headers["X-Cld-Error"] == "Invalid page - 9 (the document has 3)"


# -- client hints ----------------------------------------------------------------------------

async def test_dpr_auto_follows_the_dpr_hint_and_varies_on_it(client, vocab):
    url = "/demo/image/upload/c_scale,dpr_auto,w_20/vocab.png"
    plain = await client.get(url)
    double = await client.get(url, headers={"Sec-CH-DPR": "2"})
    legacy = await client.get(url, headers={"DPR": "3"})
    assert decode(await plain.read()).width == 20 and decode(await double.read()).width == 40
    assert decode(await legacy.read()).width == 60
    assert plain.headers["ETag"] != double.headers["ETag"]
    assert "Sec-CH-DPR" in double.headers["Vary"] and "DPR" in double.headers["Vary"]
    assert "Sec-CH-DPR" in double.headers["Accept-CH"]
    again = await client.get(url, headers={"Sec-CH-DPR": "2"})
    assert again.headers["ETag"] == double.headers["ETag"] and again.headers["X-Cache"] != "render"


async def test_w_auto_rounds_the_width_hint_up_to_the_step(client, vocab):
    url = "/demo/image/upload/c_scale,w_auto:50:30/vocab.png"
    assert decode(await (await client.get(url, headers={"Sec-CH-Width": "120"})).read()).width == 150
    assert decode(await (await client.get(url, headers={"Width": "20"})).read()).width == 50
    fallback = await client.get(url)
    assert decode(await fallback.read()).width == 30 and "Sec-CH-Width" in fallback.headers["Vary"]
    bad = await client.get(url, headers={"Sec-CH-Width": "lots"})
    assert bad.status == 200 and decode(await bad.read()).width == 30


async def test_urls_without_hints_do_not_vary_on_them(client, vocab):
    response = await client.get("/demo/image/upload/c_scale,w_20/vocab.png")
    assert "Accept-CH" not in response.headers and "DPR" not in response.headers.get("Vary", "")


# -- variables, expressions and conditions ---------------------------------------------------

@pytest.mark.parametrize("url, width, check", [
    ("/demo/image/upload/$fx_!grayscale!,e_$fx/vocab.png", 64, lambda p: p[0] == p[1] == p[2]),
    ("/demo/image/upload/c_scale,w_$a,$a_$b_mul_2,$b_15/vocab.png", 30, None),
    ("/demo/image/upload/$s_!25.9!,c_scale,w_$s_to_i/vocab.png", 25, None),
    ("/demo/image/upload/$s_!25.9!,c_scale,w_$s_to_f/vocab.png", 26, None),
    ("/demo/image/upload/$v_24,r_$v:0:0:0/vocab.png", 64, None),
    ("/demo/image/upload/if_w_lt_200,c_fill,h_12,w_8/if_else,c_fill,h_9,w_10/vocab.png", 8, None),
    ("/demo/image/upload/if_w_gt_200,c_fill,h_12,w_8/if_else,c_fill,h_9,w_10/vocab.png", 10, None),
    ("/demo/image/upload/$l_!a:b!,if_!b!_in_$l,c_scale,w_16/vocab.png", 16, None),
    ("/demo/image/upload/if_md:!sku!_eq_!x!,c_scale,w_16/vocab.png", 64, None),
])
async def test_variables_and_conditions(client, vocab, url, width, check):
    response = await client.get(url)
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = decode(await response.read())
    assert image.width == width
    if check is not None:
        assert check(pixel(image, 8, 8))


async def test_rounded_corner_from_a_variable(client, vocab):
    image = decode(await (await client.get("/demo/image/upload/$v_24,r_$v:0:0:0/vocab.png")).read())
    assert image.hasalpha() and pixel(image, 0, 0)[3] == 0 and pixel(image, 63, 0)[3] == 255


async def test_md_and_ctx_read_the_catalog(client, storage):
    import aiohttp

    auth = {"Authorization": aiohttp.encode_basic_auth("edge", SECRET)}  # structured metadata takes only defined fields
    field = {"type": "string", "external_id": "sku", "label": "SKU"}
    assert (await client.post("/v1_1/demo/metadata_fields", json=field, headers=auth)).status == 200
    form = aiohttp.FormData(signed({"public_id": "tagged", "metadata": "sku=a1", "context": "room=hall"}))
    form.add_field("file", geometry(64, 48).pngsave_buffer(), filename="g.png")
    assert (await client.post("/v1_1/demo/image/upload", data=form)).status == 200
    md = decode(await (await client.get("/demo/image/upload/if_md:!sku!_eq_!a1!,c_scale,w_16/tagged.png")).read())
    ctx = decode(await (await client.get("/demo/image/upload/if_ctx:!room!_eq_!hall!,c_scale,w_12/tagged.png")).read())
    other = decode(await (await client.get("/demo/image/upload/if_md:!sku!_eq_!b2!,c_scale,w_16/tagged.png")).read())
    assert (md.width, ctx.width, other.width) == (16, 12, 64)


async def test_text_from_a_variable(client, vocab):
    response = await client.get("/demo/image/upload/$t_!Hi!/co_white,l_text:DejaVu%20Sans_30:$(t)/fl_layer_apply/vocab.png")
    assert response.status == 200, response.headers.get("X-Cld-Error")


# -- backgrounds, colour profiles, text ------------------------------------------------------

async def test_b_auto_gradient_shades_from_side_to_side(client, storage):
    left_red = pyvips.Image.black(20, 40).new_from_image(list(RED)).join(
        pyvips.Image.black(20, 40).new_from_image(list(BLUE)), "horizontal").copy(interpretation="srgb").cast("uchar")
    (storage / "demo" / "halves.png").write_bytes(left_red.pngsave_buffer())
    image = decode(await (await client.get("/demo/image/upload/b_auto:predominant_gradient:2:horizontal,c_pad,h_40,w_200/halves.png")).read())
    assert near(pixel(image, 1, 20), RED, 20) and near(pixel(image, 198, 20), BLUE, 20)
    contrast = decode(await (await client.get("/demo/image/upload/b_auto:predominant_gradient_contrast,c_pad,h_40,w_200/halves.png")).read())
    assert near(pixel(contrast, 1, 20), (0, 255, 255), 20)
    palette = decode(await (await client.get("/demo/image/upload/b_auto:predominant:palette_green_white,c_pad,h_40,w_200/halves.png")).read())
    assert near(pixel(palette, 1, 20), (0, 128, 0), 2)


async def test_cs_icc_converts_to_an_uploaded_profile(client, storage):
    profile = geometry(8, 8).icc_export(output_profile="cmyk").get("icc-profile-data")
    folder = storage / "demo@raw.upload" / "profiles"
    folder.mkdir(parents=True)
    (folder / "print.icc").write_bytes(profile)
    (storage / "demo" / "vocab.png").write_bytes(geometry(64, 48).pngsave_buffer())
    response = await client.get("/demo/image/upload/cs_icc:profiles:print.icc/vocab.jpg")
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = decode(await response.read())
    assert image.interpretation == "cmyk" and "icc-profile-data" in image.get_fields()
    missing = await client.get("/demo/image/upload/cs_icc:nothing.icc/vocab.jpg")
    assert missing.status == 404 and missing.headers["X-Cld-Error"] == "ICC profile not found - nothing.icc"


async def test_antialias_none_draws_hard_edges(client, storage):
    (storage / "demo" / "black.png").write_bytes(pyvips.Image.black(300, 200).bandjoin([0, 0]).copy(interpretation="srgb").cast("uchar").pngsave_buffer())
    soft = decode(await (await client.get("/demo/image/upload/co_white,l_text:DejaVu%20Sans_40:Ag/fl_layer_apply/black.png")).read())
    hard = decode(await (await client.get("/demo/image/upload/co_white,l_text:DejaVu%20Sans_40_antialias_none:Ag/fl_layer_apply/black.png")).read())

    def greys(image):
        grey = image.extract_band(1)  # green: the pad is black and the text white
        histogram = grey.hist_find()
        counts = [histogram.getpoint(i, 0)[0] for i in range(256)]
        return sum(counts[20:235])

    assert greys(soft) > 0 and greys(hard) < greys(soft) / 4


async def test_getinfo_is_json_for_new_formats(client, vocab):
    body = json.loads(await (await client.get("/demo/image/upload/fl_getinfo,f_tiff/vocab.png")).read())
    assert body["output"]["format"] == "tiff"


async def test_stroke_outlines_the_glyphs_instead_of_framing_the_layer(client, storage):
    (storage / "demo" / "black.png").write_bytes(pyvips.Image.black(300, 100).bandjoin([0, 0]).copy(interpretation="srgb").cast("uchar").pngsave_buffer())

    async def red_pixels(url):
        image = decode(await (await client.get(url)).read())
        return ((image[0] > 200) & (image[1] < 60)).avg() / 255 * image.width * image.height

    stroked = await red_pixels("/demo/image/upload/bo_4px_solid_red,co_white,l_text:DejaVu%20Sans_40_stroke:Ag/fl_layer_apply/black.png")
    framed = await red_pixels("/demo/image/upload/bo_4px_solid_red,co_white,l_text:DejaVu%20Sans_40:Ag/fl_layer_apply/black.png")
    assert stroked > 300 and stroked != framed


async def test_an_untransformed_pdf_url_answers_the_original(client, vocab):
    response = await client.get("/demo/image/upload/doc.pdf")
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    assert await response.read() == three_page_pdf()


async def test_an_image_layer_named_by_a_variable(client, vocab):
    (vocab / "demo" / "mark.png").write_bytes(pyvips.Image.black(16, 16).new_from_image([255, 255, 255]).copy(
        interpretation="srgb").cast("uchar").pngsave_buffer())
    response = await client.get("/demo/image/upload/$img_!mark!/l_$img/fl_layer_apply,g_north_west/vocab.png")
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = decode(await response.read())
    assert near(pixel(image, 4, 4), (255, 255, 255), 2) and near(pixel(image, 40, 4), GREEN, 2)
