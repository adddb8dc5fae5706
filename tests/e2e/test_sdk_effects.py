"""The official SDK's effect, layer and condition URLs against a live server (the e2e server:
both profiles, real HTTP)."""

import pytest

from tests.helpers.images import decode, near, pixel
from tests.helpers.sdk import sdk_url
from tests.helpers.servers import fetch


@pytest.mark.parametrize(
    "options, size",
    [
        (dict(transformation=[dict(width=200, crop="scale"), dict(effect="sepia:60")], format="png"), (200, 150)),
        (dict(width=100, height=100, crop="fill", radius="max", border="3px_solid_black", format="png"), (106, 106)),
        (dict(transformation=[dict(width=200, crop="scale"),
                              dict(overlay="folder:geometry", width=50, crop="scale"),
                              dict(flags="layer_apply", gravity="south_east", x=5, y=5)], format="png"), (200, 150)),
        (dict(transformation=[dict(width=200, crop="scale"),
                              dict(overlay={"font_family": "DejaVu Sans", "font_size": 20, "text": "Hi, there/you"}, color="white"),
                              dict(flags="layer_apply", gravity="north")], format="png"), (200, 150)),
        (dict(transformation=[{"if": "w > 300", "width": 100, "crop": "scale"}, {"if": "else", "width": 50}, {"if": "end"}],
              format="png"), (100, 75)),
        (dict(transformation=[{"$half": "iw / 2"}, {"width": "$half", "crop": "scale"}], format="webp"), (200, 150)),
    ],
)
def test_sdk_effect_urls_render(server, options, size):  # noqa: F811
    port = server.port
    url = sdk_url(port, "geometry", **options).replace(" ", "%20")  # as a browser sends the SDK's space
    status, headers, body = fetch(url)
    assert status == 200, headers.get("X-Cld-Error")
    image = decode(body)
    assert (image.width, image.height) == size


def test_sdk_layer_lands_where_asked(server):  # noqa: F811
    port = server.port
    url = sdk_url(port, "geometry", format="png", transformation=[
        dict(overlay="folder:geometry", width=40, height=40, crop="fill", effect="negate"),
        dict(flags="layer_apply", gravity="north_west")])
    status, headers, body = fetch(url)
    assert status == 200
    image = decode(body)
    assert near(pixel(image, 5, 5), (0, 255, 255), 10) and near(pixel(image, 60, 5), (255, 0, 0), 10)


def test_sdk_missing_layer_and_unsupported_effect(server):  # noqa: F811
    port = server.port
    status, headers, _ = fetch(sdk_url(port, "geometry", overlay="nope", format="png"))
    assert status == 404 and headers["X-Cld-Error"] == "Layer not found - nope"
    status, headers, _ = fetch(sdk_url(port, "geometry", effect="gen_remove:prompt_x", format="png"))
    assert status == 400 and "gen_remove" in headers["X-Cld-Error"]
