"""Every row of the support table (docs/transformations.md), requested from a live server with a URL
built by the official Python SDK: a supported row renders an image of the expected format (decoded
here, its size and a pixel checked where the row fixes them), an unsupported row answers 400 with
exactly the row's `X-Cld-Error`, never "Invalid ..."."""

from __future__ import annotations

import re

import cloudinary.utils
import pytest

from edge.grammar.chain import parse_chain
from edge.grammar.delivery_path import parse_delivery_path
from edge.grammar.support import UNSUPPORTED, Row, rows
from tests.helpers.documents import open_any, three_page_pdf
from tests.helpers.images import BLUE, RED, geometry, near

# The SDK's option for each code (cloudinary.utils builds the same `code_value` from it).
OPTIONS = {
    "w": "width", "h": "height", "c": "crop", "g": "gravity", "x": "x", "y": "y", "ar": "aspect_ratio", "dpr": "dpr",
    "q": "quality", "f": "fetch_format", "a": "angle", "b": "background", "fl": "flags", "e": "effect", "r": "radius",
    "bo": "border", "co": "color", "o": "opacity", "z": "zoom", "cs": "color_space", "l": "overlay", "u": "underlay",
    "t": "transformation", "pg": "page", "if": "if", "d": "default_image", "dl": "delay", "dn": "density",
    "so": "start_offset", "eo": "end_offset", "du": "duration", "vc": "video_codec", "ac": "audio_codec",
    "af": "audio_frequency", "br": "bit_rate", "fps": "fps", "ki": "keyframe_interval", "vs": "video_sampling",
    "sp": "streaming_profile", "p": "prefix",
}
# Codes the SDK has no plain option for: written with raw_transformation, as a user would.
RAW_ONLY = {"fn", "bl"}
PDF_ROWS = ("Pages",)
DECODED_BY_PILLOW = {"image/bmp", "image/x-icon", "image/jp2", "image/jxl", "image/heic"}


def sdk_options(example: str) -> dict:
    """The example's components as the SDK's options: one dict per component, chained."""
    components = []
    for segment in example.split("/"):
        options: dict = {}
        variables = []
        raw = []
        for part in segment.split(","):
            code, _, value = part.partition("_")
            if code.startswith("$"):
                variables.append([code, value])
            elif code in RAW_ONLY:
                raw.append(part)
            elif code == "fl" and "flags" in options:
                options["flags"] = [options["flags"], value] if isinstance(options["flags"], str) else [*options["flags"], value]
            else:
                options[OPTIONS[code]] = value
        if variables:
            options["variables"] = variables
        if raw:
            options["raw_transformation"] = ",".join(raw)
        components.append(options)
    if len(components) == 1:
        return components[0]
    return {"transformation": components}


def _public_id(row: Row) -> str:
    return "vocab_doc" if row.section in PDF_ROWS else "vocab"


def _url(port: int, row: Row) -> str:
    url, _ = cloudinary.utils.cloudinary_url(_public_id(row), cloud_name="demo", cname=f"127.0.0.1:{port}", secure=False,
                                             format="png", **sdk_options(row.example))
    return url


ROWS = [row for row in rows() if row.example]


def test_every_row_but_fetch_layers_has_an_example():
    assert [row.item for row in rows() if not row.example] == ["l_fetch:<base64 URL>"]  # tests/http/test_fetch.py


def test_the_sdk_writes_each_example_as_the_table_does():
    for row in ROWS:
        if row.status == UNSUPPORTED:
            continue
        url = _url(8080, row)
        built = parse_delivery_path(re.sub(r"^https?://[^/]+", "", url)).chain.canonical
        assert built == parse_chain(row.example).canonical, (row.item, url)


@pytest.fixture
def vocabulary_storage(storage):
    demo = storage / "demo"
    (demo / "vocab.png").write_bytes(geometry(64, 48).pngsave_buffer())
    (demo / "vocab_layer.png").write_bytes(geometry(16, 12).pngsave_buffer())
    (demo / "vocab_doc.pdf").write_bytes(three_page_pdf())
    return storage


EXPECTED_SIZES = {  # (width, height) of the answer for examples that fix it (vocab.png is 64x48)
    "c_scale,w_40": (40, 30), "c_scale,h_30": (40, 30), "c_fill,h_30,w_40": (40, 30), "ar_1:1,c_fill,w_30": (30, 30),
    "c_scale,dpr_2.0,w_20": (40, 30), "b_red,c_pad,h_64,w_64": (64, 64), "a_90": (48, 64),
    "c_scale,w_auto:16:32": (32, 24), "c_scale,dpr_auto,w_20": (20, 15), "c_scale,w_auto": (64, 48),
    "a_auto,c_scale,h_40,w_20": (20, 40), "if_w_lt_10,c_fill,h_10,w_10/if_else,c_fill,h_20,w_20": (20, 20),
    "$w_20,c_scale,w_$w": (20, 15), "$s_!20!,c_scale,w_$s_to_f": (20, 15), "$s_20.7,c_scale,w_$s_to_i": (20, 15),
    "c_scale,w_iw_add_2": (66, 50), "c_scale,w_iw_sub_2": (62, 46), "c_scale,w_iw_mul_2": (128, 96),
    "c_scale,w_iw_div_2": (32, 24),
}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.section}:{row.item}")
async def test_row(client_for, make_settings, vocabulary_storage, row):
    client = await client_for(make_settings(EDGE_TRANSFORMATIONS_NAMED="vocab_named=c_scale,w_20"))
    url = _url(client.port, row)
    response = await client.get(re.sub(r"^https?://[^/]+", "", url))
    body = await response.read()
    if row.status == UNSUPPORTED:
        assert (response.status, response.headers.get("X-Cld-Error")) == (400, row.error), url
        return
    assert response.status == 200, (url, response.headers.get("X-Cld-Error"))
    media_type = response.headers["Content-Type"]
    if media_type == "application/json":  # fl_getinfo
        assert b'"output"' in body
        return
    if media_type == "application/pdf":
        assert body.startswith(b"%PDF-")
        return
    picture = open_any(body)
    picture.load()
    fmt = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "TIFF": "image/tiff",
           "BMP": "image/bmp", "ICO": "image/x-icon", "JPEG2000": "image/jp2", "JXL": "image/jxl", "HEIF": "image/heic",
           "AVIF": "image/avif"}[picture.format]
    assert fmt == media_type, url
    if row.example in EXPECTED_SIZES:
        assert picture.size == EXPECTED_SIZES[row.example], url
    if row.section == "Formats" and row.item != "f_auto":  # the quadrants survive every encoder
        rgb = picture.convert("RGB")
        assert picture.size == (64, 48)
        assert near(rgb.getpixel((8, 8)), RED) and near(rgb.getpixel((8, 40)), BLUE), (url, rgb.getpixel((8, 8)))
