"""Layers, named transformations and response-shaping flags over HTTP."""

import json

import pyvips
from yarl import URL

from tests.helpers.images import RED, decode, near, pixel


def _white_mark(storage, name="brand/mark.png", size=40):
    path = storage / "demo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((pyvips.Image.black(size, size) + 255).cast("uchar").bandjoin([255, 255]).copy(interpretation="srgb").pngsave_buffer())
    return path


async def test_image_layer_is_read_from_the_origin(client, storage):
    _white_mark(storage)
    response = await client.get("/demo/image/upload/l_brand:mark/fl_layer_apply,g_north_west/geometry.png")
    assert response.status == 200
    image = decode(await response.read())
    assert near(pixel(image, 10, 10), (255, 255, 255), 2) and near(pixel(image, 60, 10), RED, 2)


async def test_replacing_a_layer_makes_a_new_derivative(client, storage):
    path = _white_mark(storage)
    url = "/demo/image/upload/l_brand:mark/fl_layer_apply,g_north_west/geometry.png"
    first = await client.get(url)
    path.write_bytes((pyvips.Image.black(40, 40)).cast("uchar").bandjoin([0, 0]).copy(interpretation="srgb").pngsave_buffer())
    second = await client.get(url)
    assert first.headers["ETag"] != second.headers["ETag"]
    assert near(pixel(decode(await second.read()), 10, 10), (0, 0, 0), 2)


async def test_missing_layer_is_a_404_naming_it(client):
    response = await client.get("/demo/image/upload/l_brand:nothing/fl_layer_apply/geometry.png")
    assert response.status == 404 and response.headers["X-Cld-Error"] == "Layer not found - brand/nothing"


async def test_text_layer_with_escaped_comma(client):
    # encoded=True: the client must send %2C as it is (the SDK escapes commas in text this way).
    path = URL("/demo/image/upload/l_text:DejaVu%20Sans_30:Hi%2C%20you,co_white/fl_layer_apply/geometry.png", encoded=True)
    response = await client.get(path)
    assert response.status == 200
    image = decode(await response.read())
    assert image.extract_area(120, 120, 160, 60).max() == 255


async def test_unsupported_effect_and_flag_are_400_naming_them(client):
    response = await client.get("/demo/image/upload/e_background_removal/v1/geometry.png")
    assert response.status == 400 and response.headers["X-Cld-Error"].startswith("Unsupported effect - background_removal")
    response = await client.get("/demo/image/upload/fl_apng/v1/geometry.png")
    assert response.status == 400 and "apng" in response.headers["X-Cld-Error"]


async def test_attachment_and_immutable_cache(client):
    response = await client.get("/demo/image/upload/fl_attachment/fixtures/geometry.jpg")
    assert response.headers["Content-Disposition"] == 'attachment; filename="geometry.jpg"'
    named = await client.get("/demo/image/upload/fl_attachment:holiday,f_webp/fixtures/geometry.jpg")
    assert named.headers["Content-Disposition"] == 'attachment; filename="holiday.webp"'
    again = await client.get("/demo/image/upload/fl_attachment:holiday,f_webp/fixtures/geometry.jpg")
    assert again.headers["X-Cache"] == "memory" and again.headers["Content-Disposition"] == named.headers["Content-Disposition"]
    immutable = await client.get("/demo/image/upload/fl_immutable_cache/fixtures/geometry.jpg")
    assert immutable.headers["Cache-Control"].endswith("immutable")
    plain = await client.get("/demo/image/upload/w_10/fixtures/geometry.jpg")
    assert "Content-Disposition" not in plain.headers and "immutable" not in plain.headers["Cache-Control"]


async def test_getinfo_answers_json(client):
    response = await client.get("/demo/image/upload/c_fill,w_100,h_50/fl_getinfo/geometry.png")
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
    info = json.loads(await response.read())
    assert info["input"] == {"width": 400, "height": 300} and info["output"]["width"] == 100 and info["faces"] == []


async def test_named_transformations_from_settings(client_for, make_settings):
    client = await client_for(make_settings(EDGE_TRANSFORMATIONS_NAMED="thumb=c_fill,w_60,h_40;framed=t_thumb/bo_2px_solid_black"))
    response = await client.get("/demo/image/upload/t_framed/geometry.png")
    image = decode(await response.read())
    assert (image.width, image.height) == (64, 44)
    unknown = await client.get("/demo/image/upload/t_nope/geometry.png")
    assert unknown.status == 400 and unknown.headers["X-Cld-Error"] == "Unknown named transformation - nope"


async def test_effects_render_over_http(client):
    response = await client.get("/demo/image/upload/c_fill,w_100,h_100/e_sepia/r_max/bo_3px_solid_white/geometry.png")
    image = decode(await response.read())
    assert response.status == 200 and (image.width, image.height) == (106, 106) and image.bands == 4


async def test_default_image_serves_when_the_asset_is_missing(client):
    response = await client.get("/demo/image/upload/d_fixtures:alpha,w_50/nothing/here.png")
    assert response.status == 200 and decode(await response.read()).width == 50
    missing = await client.get("/demo/image/upload/d_nope,w_50/nothing/here.png")
    assert missing.status == 404 and "default image nope missing too" in missing.headers["X-Cld-Error"]
    present = await client.get("/demo/image/upload/d_fixtures:alpha,w_50/geometry.png")
    assert near(pixel(decode(await present.read()), 5, 5), RED, 2)
