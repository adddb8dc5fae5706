"""Fuzzing the delivery route: any path, percent-escapes included, gets a well-formed answer that
is never a 5xx, and every 4xx says why in a header-safe X-Cld-Error.

Hypothesis drives a synchronous check on a worker thread; each example sends its request on the
test's event loop (where the aiohttp test client lives) and waits for the answer."""

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from edge.http.middleware import HEADER_MAX_CHARS

# Pieces a delivery path is made of, plus what breaks headers and parsers: control characters,
# C1 and non-ASCII UTF-8, invalid UTF-8, truncated and encoded-slash escapes, dot segments.
TOKENS = [
    "c_", "w_", "h_", "e_", "g_", "f_", "q_", "a_", "b_", "r_", "l_", "o_", "t_", "fl_", "co_", "if_",
    "l_text:Arial_12:", "e_sepia", "e_blur:", "c_fill", "c_scale", "g_auto", "f_auto", "q_auto", "$w",
    "fill", "scale", "auto", "face", "red", "_", ",", ":", ".", "-", "~", "!", "$", "=", "+", "(", ")",
    "0", "1", "2", "5", "9", "a", "x", "z", "v1712", "s--abcdefgh--",
    "%00", "%01", "%09", "%0A", "%0D", "%0D%0A", "%1B", "%1F", "%20", "%7F", "%C2%85", "%C2%9B", "%C3%A9",
    "%E2%80%A8", "%F0%9F%98%80", "%FF", "%FE%FF", "%C3", "%", "%2", "%zz", "%25", "%2F", "%2E%2E", "..",
]
component = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=8).map("".join)
public_id = st.sampled_from(["geometry.png", "geometry", "fixtures/geometry.jpg", "fixtures/alpha.png",
                             "fixtures/garbage.jpg", "sample.jpg", "missing.png"]) | component
paths = st.builds(
    lambda cloud, delivery, parts, tail: "/".join([cloud, "image", delivery, *parts, tail]),
    st.sampled_from(["/demo", "/demo", "/demo", "/de%00mo", "/other", "/%C3%A9"]),
    st.sampled_from(["upload", "upload", "upload", "fetch", "private", "authenticated", "list", "up%0Aload"]),
    st.lists(component, max_size=3),
    public_id,
)


def check(response_status: int, headers: dict[str, str]) -> None:
    assert response_status < 500, (response_status, headers.get("X-Cld-Error"))
    if 400 <= response_status < 500:
        error = headers["X-Cld-Error"]
        assert error.isascii() and error.isprintable() and 0 < len(error) <= HEADER_MAX_CHARS


async def test_any_delivery_path_gets_a_well_formed_answer_never_a_5xx(client):
    loop = asyncio.get_running_loop()

    async def ask(path: str) -> tuple[int, dict[str, str]]:
        # a malformed answer or a dropped connection raises here (aiohttp's client parser)
        async with client.get(URL(path, encoded=True), allow_redirects=False) as response:
            await response.read()
            return response.status, dict(response.headers)

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(paths)
    def every_path(path: str) -> None:
        status, headers = asyncio.run_coroutine_threadsafe(ask(path), loop).result(timeout=30)
        check(status, headers)

    await asyncio.to_thread(every_path)
