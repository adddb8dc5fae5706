"""S3 originals through the app, against moto's S3 server: lookup, limits and error translation."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from botocore.exceptions import ClientError

from edge.errors import OriginThrottled, OriginTimeout, OriginUnavailable, ResourceNotFound
from edge.origins.s3 import _translate
from tests import prom
from tests.conftest import s3_client
from tests.images import GREEN, RED, decode, geometry_png, near, pixel


@pytest.fixture
def s3_settings(make_settings, moto_url, bucket):
    def make(**extra):
        values = dict(
            EDGE_STORAGE_URL=f"s3://{bucket}/originals", EDGE_S3_ENDPOINT_URL=moto_url,
            EDGE_S3_ADDRESSING_STYLE="path", EDGE_S3_MAX_ATTEMPTS="2",
        )
        values.update(extra)
        return make_settings(**values)

    return make


async def metrics_text(client) -> str:
    return await (await client.get("/metrics")).text()


async def test_an_s3_original_is_found_without_its_extension_and_rendered(client_for, s3_settings):
    client = await client_for(s3_settings())
    response = await client.get("/demo/image/upload/c_fill,g_north,w_400,h_100/geometry.png")
    assert response.status == 200, response.headers.get("X-Cld-Error")
    image = decode(await response.read())
    assert near(pixel(image, 50, 50), RED) and near(pixel(image, 350, 50), GREEN)
    nested = await client.get("/demo/image/upload/w_100/fixtures/geometry.webp")
    assert nested.status == 200 and nested.headers["Content-Type"] == "image/webp"
    text = await metrics_text(client)
    assert prom.value(text, "edge_s3_requests_total", operation="get", result="ok") == 2
    assert prom.value(text, "edge_s3_bytes_total") > 0


async def test_lookups_are_cached_and_the_preferred_extension_wins(client_for, s3_settings, bucket, moto_url):
    s3_client(moto_url).put_object(Bucket=bucket, Key="originals/demo/geometry.gif", Body=b"not chosen")
    for crowd in range(120):  # sort before "geometry.png" and would fill a page listed by the bare stem
        s3_client(moto_url).put_object(Bucket=bucket, Key=f"originals/demo/geometry-{crowd:03d}.png", Body=b"other")
    s3_client(moto_url).put_object(Bucket=bucket, Key="originals/demo/geometry.backup.png", Body=b"a different stem")
    client = await client_for(s3_settings())
    for width in (50, 60, 70):
        response = await client.get(f"/demo/image/upload/w_{width}/geometry.png")
        assert response.status == 200, response.headers.get("X-Cld-Error")
    text = await metrics_text(client)
    assert prom.value(text, "edge_s3_requests_total", operation="list") == 1


async def test_missing_original_is_a_404_and_stays_missing_briefly(client_for, s3_settings):
    client = await client_for(s3_settings())
    for _ in range(2):
        response = await client.get("/demo/image/upload/w_100/no/such/thing.jpg")
        assert response.status == 404 and response.headers["X-Cld-Error"] == "Resource not found - no/such/thing"
    assert prom.value(await metrics_text(client), "edge_s3_requests_total", operation="list") == 1


async def test_too_large_original_is_a_413(client_for, s3_settings):
    client = await client_for(s3_settings(EDGE_LIMITS_MAX_SOURCE_BYTES=len(geometry_png()) - 1))
    response = await client.get("/demo/image/upload/w_100/geometry.png")
    assert response.status == 413 and "too large" in response.headers["X-Cld-Error"]


async def test_unreachable_storage_is_a_502_and_readyz_fails(client_for, make_settings, aws_credentials):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = make_settings(EDGE_STORAGE_URL="s3://bucket/p", EDGE_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                             EDGE_S3_MAX_ATTEMPTS="1")
    client = await client_for(settings)
    response = await client.get("/demo/image/upload/w_100/geometry.png")
    assert response.status == 502 and response.headers["X-Cld-Error"] == "Storage unreachable"
    assert (await client.get("/readyz")).status == 503
    assert prom.value(await metrics_text(client), "edge_errors_total", category="download") == 1


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts and never answers: a hung S3 endpoint."""
    held = []

    async def hold(reader, writer):
        held.append(writer)
        await asyncio.sleep(3600)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()


async def test_a_hung_storage_is_a_504(client_for, make_settings, aws_credentials, silent_server):
    settings = make_settings(
        EDGE_STORAGE_URL="s3://bucket/p", EDGE_S3_ENDPOINT_URL=f"http://127.0.0.1:{silent_server}",
        EDGE_S3_READ_TIMEOUT_SECONDS="0.2", EDGE_S3_MAX_ATTEMPTS="2", EDGE_S3_CALL_TIMEOUT_SECONDS="1",
    )
    client = await client_for(settings)
    response = await client.get("/demo/image/upload/w_100/geometry.png")
    assert response.status == 504 and response.headers["X-Cld-Error"] == "Storage timed out"
    assert prom.value(await metrics_text(client), "edge_s3_requests_total", operation="list", result="timeout") == 1


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


@pytest.mark.parametrize(
    "code, status, error, result",
    [
        ("NoSuchKey", 404, ResourceNotFound, "not_found"),
        ("SlowDown", 503, OriginThrottled, "throttled"),
        ("InternalError", 500, OriginUnavailable, "error"),
        ("AccessDenied", 403, OriginUnavailable, "error"),
    ],
)
def test_botocore_errors_are_translated(code, status, error, result):
    translated, category = _translate(_client_error(code, status))
    assert type(translated) is error and category == result
    assert _translate(TimeoutError())[0].__class__ is OriginTimeout



async def test_an_original_replaced_behind_the_lookup_is_read_again(client_for, s3_settings, bucket, moto_url):
    from tests.images import BLUE
    import pyvips

    client = await client_for(s3_settings())
    url = "/demo/image/upload/w_40/geometry.png"
    assert near(pixel(decode(await (await client.get(url)).read()), 5, 5), RED)
    blue = (pyvips.Image.black(400, 300) + list(BLUE)).cast("uchar").copy(interpretation="srgb").pngsave_buffer()
    s3_client(moto_url).put_object(Bucket=bucket, Key="originals/demo/geometry.png", Body=blue)
    # No invalidation: the lookup (and its ETag) is still trusted, so a new variant's read finds
    # the ETag changed (If-Match), forgets the lookup and looks again: new pixels, no error.
    response = await client.get("/demo/image/upload/w_41/geometry.png")
    assert response.status == 200 and near(pixel(decode(await response.read()), 5, 5), BLUE)
    text = await metrics_text(client)
    assert prom.value(text, "edge_s3_requests_total", operation="get", result="changed") == 1
