"""Error answers over HTTP: always a well-formed response with a header-safe X-Cld-Error, even
when the message echoes a request full of control characters (issue 10, bug 1)."""

import pytest
from yarl import URL

from edge.http.middleware import HEADER_MAX_CHARS, header_safe

UPLOAD = "/demo/image/upload"


def printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


async def get(client, raw_path: str):
    """GET the path exactly as written: yarl must not re-encode the percent-escapes."""
    return await client.get(URL(raw_path, encoded=True))


async def assert_safe_error(response, status: int | None = None) -> str:
    """A 4xx whose X-Cld-Error and text body are printable ASCII of at most 200 characters."""
    assert 400 <= response.status < 500 if status is None else response.status == status
    error = response.headers["X-Cld-Error"]
    assert printable_ascii(error) and 0 < len(error) <= HEADER_MAX_CHARS
    body = await response.text()
    assert printable_ascii(body.removesuffix("\n"))  # ours is the message, aiohttp's "404: Not Found"
    return error


@pytest.mark.parametrize(
    "path, status, echoed",
    [
        (f"{UPLOAD}/c_scale%00,w_100/sample.jpg", 400, None),  # the report's URL
        (f"{UPLOAD}/c_scale%00/geometry.png", 400, "Invalid public_id"),  # not a transformation: part of the id
        (f"{UPLOAD}/c_scale%0D%0AX-Injected:%201/geometry.png", None, None),
        (f"{UPLOAD}/c_scale%0D/geometry.png", 400, "Invalid crop - scale%0D"),
        (f"{UPLOAD}/c_scale%0A/geometry.png", 404, None),  # the router matches no line break
        (f"{UPLOAD}/c_scale%01%09%1B%1F/geometry.png", 400, "Invalid crop - scale%01%09%1B%1F"),
        (f"{UPLOAD}/c_scale%7F/geometry.png", 400, "Invalid crop - scale%7F"),
        (f"{UPLOAD}/c_scale%C2%85%C2%9B/geometry.png", 400, "Invalid crop - scale%C2%85%C2%9B"),
        (f"{UPLOAD}/c_%C3%A9t%C3%A9/geometry.png", 400, "Invalid crop - %C3%A9t%C3%A9"),
        (f"{UPLOAD}/c_%E2%80%A8/geometry.png", 400, "Invalid crop - %E2%80%A8"),  # U+2028 line separator
        (f"{UPLOAD}/c_%FF%FE/geometry.png", 400, None),  # not UTF-8
        (f"{UPLOAD}/w_100/geom%00etry.png", 400, None),
        ("/de%00mo/image/upload/w_100/geometry.png", 404, "Unknown cloud - de%00mo"),
        ("/de%0D%0Amo/image/upload/w_100/geometry.png", 404, "Unknown cloud - de%0D%0Amo"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else "",
)
async def test_control_and_non_ascii_characters_are_escaped_in_the_error(client, path, status, echoed):
    response = await get(client, path)
    error = await assert_safe_error(response, status)
    if echoed is not None:
        assert error == echoed
    assert "X-Injected" not in response.headers


async def test_a_long_echoed_component_is_cut_to_200_characters(client):
    response = await get(client, f"{UPLOAD}/c_{'x' * 1000}%C3%A9/geometry.png")
    error = await assert_safe_error(response, 400)
    assert len(error) == HEADER_MAX_CHARS
    assert error.startswith("Invalid crop - xxx") and error.endswith("...")


async def test_the_api_answers_json_with_the_message_and_a_safe_header(client):
    response = await get(client, "/v1_1/de%00mo/resources/image")
    assert response.status == 404
    assert response.headers["X-Cld-Error"] == "Unknown cloud - de%00mo"
    assert (await response.json())["error"]["message"] == "Unknown cloud - de\x00mo"  # JSON escapes it


async def test_aiohttp_own_errors_keep_their_headers_and_say_why(client):
    response = await client.post("/demo/image/upload/w_100/geometry.png")
    assert response.status == 405
    assert response.headers["X-Cld-Error"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(",")) >= {"GET", "HEAD"}
    assert await response.text() == "405: Method Not Allowed"
    response = await get(client, "/demo/image/upload/c_scale%0A/geometry.png")  # no route matches
    assert response.status == 404 and response.headers["X-Cld-Error"] == "Not Found"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Invalid crop - scale", "Invalid crop - scale"),
        ("a\x00b", "a%00b"),
        ("a\r\nb", "a%0D%0Ab"),
        ("\t\x1b\x7f", "%09%1B%7F"),
        ("\x85\x9f", "%C2%85%C2%9F"),
        ("é", "%C3%A9"),
        ("\udcff", "%ED%B3%BF"),  # a lone surrogate (surrogateescape of an invalid byte) never raises
        ("100%", "100%"),
    ],
)
def test_header_safe(text, expected):
    assert header_safe(text) == expected


def test_header_safe_cuts_long_values_without_splitting_an_escape():
    assert header_safe("x" * 200) == "x" * 200
    assert header_safe("x" * 201) == "x" * 197 + "..."
    cut = header_safe("x" * 196 + "\x00" * 10)
    assert cut == "x" * 196 + "..."  # not "x" * 196 + "%0..."
    assert len(header_safe("é" * 500)) <= HEADER_MAX_CHARS
