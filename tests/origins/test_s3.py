"""S3 originals through the app, against moto's S3 server: lookup, limits and error translation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from botocore.exceptions import ClientError

from edge.errors import InvalidParameter, OriginThrottled, OriginTimeout, OriginUnavailable, ResourceNotFound, SourceTooLarge
from edge.origins.base import Staged
from edge.origins.s3 import _translate
from tests.helpers import prom
from tests.helpers.images import GREEN, RED, decode, geometry_png, near, pixel, solid_png
from tests.helpers.net import free_port
from tests.helpers.s3 import s3_client


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


async def test_unreachable_storage_is_a_502_and_readyz_reports_it(client_for, make_settings, aws_credentials):
    port = free_port()  # nobody listens there
    settings = make_settings(EDGE_STORAGE_URL="s3://bucket/p", EDGE_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                             EDGE_S3_MAX_ATTEMPTS="1")
    client = await client_for(settings)
    response = await client.get("/demo/image/upload/w_100/geometry.png")
    assert response.status == 502 and response.headers["X-Cld-Error"] == "Storage unreachable"
    ready = await client.get("/readyz")  # a shared origin outage is not this pod's fault: still ready
    assert ready.status == 200 and "storage: unhealthy (Storage unreachable)" in await ready.text()
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
    from tests.helpers.images import BLUE
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


# -- writes: S3OriginStore as a WritableOrigins, method by method, against moto's server ------


@pytest.fixture
async def store(s3_settings):
    from edge.metrics import Metrics
    from edge.origins.s3 import S3OriginStore, open_client

    settings = s3_settings(EDGE_S3_LOOKUP_SECONDS="60", EDGE_S3_NEGATIVE_LOOKUP_SECONDS="60")
    async with open_client(settings.s3) as client:
        yield S3OriginStore(client, settings.storage.bucket, settings.storage.prefix, settings.s3, Metrics())


def keys_in(moto_url: str, bucket: str, prefix: str = "") -> list[str]:
    listing = s3_client(moto_url).list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


async def test_the_s3_store_takes_uploads(store):
    from edge.services.assets import WritableOrigins

    assert isinstance(store, WritableOrigins)


async def test_a_staged_upload_is_invisible_until_published_and_the_new_format_wins(store, bucket, moto_url):
    await store.locate("demo", "geometry")  # the old png's lookup is cached (for a minute)
    staged = await store.stage("demo", "geometry", "jpg", b"new bytes", 123)
    assert staged.temp.startswith("originals/.edge/staging/") and staged.target == "originals/demo/geometry.jpg"
    assert (await store.locate("demo", "geometry")).locator == "originals/demo/geometry.png"
    await store.publish(staged)
    version = await store.locate("demo", "geometry")  # the lookup was forgotten: no wait
    assert version.locator == "originals/demo/geometry.jpg" and version.size == len(b"new bytes")
    assert await store.read(version, 100) == b"new bytes"
    assert keys_in(moto_url, bucket) == ["originals/demo/fixtures/geometry.jpg", "originals/demo/geometry.jpg"]
    head = s3_client(moto_url).head_object(Bucket=bucket, Key="originals/demo/geometry.jpg")
    assert head["ContentType"] == "image/jpeg"


async def test_every_overwrite_changes_the_version_token(store):
    tokens = []
    for data in (b"one", b"two", b"two"):  # different bytes: a new ETag; the same bytes later: a new LastModified
        if tokens and data == b"two":
            await asyncio.sleep(1.05)
        await store.publish(await store.stage("demo", "swap", "png", data))
        tokens.append((await store.locate("demo", "swap")).token)
    assert len(set(tokens)) == 3


async def test_a_discarded_upload_leaves_nothing(store, bucket, moto_url):
    staged = await store.stage("demo", "never", "png", b"bytes")
    await store.discard(staged)
    with pytest.raises(ResourceNotFound):
        await store.locate("demo", "never")
    assert keys_in(moto_url, bucket, "originals/.edge/") == []


async def test_delete_removes_every_extension(store, bucket, moto_url):
    for extension in ("png", "webp"):
        s3_client(moto_url).put_object(Bucket=bucket, Key=f"originals/demo/gone.{extension}", Body=b"x")
    s3_client(moto_url).put_object(Bucket=bucket, Key="originals/demo/gone-not.png", Body=b"another public_id")
    await store.locate("demo", "gone")
    assert await store.delete("demo", "gone") is True
    with pytest.raises(ResourceNotFound):
        await store.locate("demo", "gone")
    assert await store.delete("demo", "gone") is False
    assert "originals/demo/gone-not.png" in keys_in(moto_url, bucket)


async def test_move_copies_to_the_new_id_and_removes_the_old(store, bucket, moto_url):
    s3_client(moto_url).put_object(Bucket=bucket, Key="originals/demo/new/name.webp", Body=b"replaced")
    await store.locate("demo", "new/name")
    before = await store.locate("demo", "geometry")
    await store.move("demo", "geometry", "new/name", 456)
    moved = await store.locate("demo", "new/name")
    assert moved.locator == "originals/demo/new/name.png" and moved.token.partition("@")[0] == before.token.partition("@")[0]
    with pytest.raises(ResourceNotFound):
        await store.locate("demo", "geometry")
    assert keys_in(moto_url, bucket) == ["originals/demo/fixtures/geometry.jpg", "originals/demo/new/name.png"]
    with pytest.raises(ResourceNotFound):
        await store.move("demo", "no/such", "other")


async def test_keep_copies_aside_and_read_locator_reads_it_back(store, bucket, moto_url):
    version = await store.locate("demo", "geometry")
    locator = await store.keep(version.locator, "backups/demo", "asset1/version1.png")
    assert locator == "originals/.edge/backups/demo/asset1/version1.png"
    await store.delete("demo", "geometry")
    assert await store.read_locator(locator, 10**6) == geometry_png()
    with pytest.raises(SourceTooLarge):
        await store.read_locator(locator, 10)
    for outside in ("elsewhere/x.png", "originals/../elsewhere/x.png", "/etc/passwd"):
        with pytest.raises(ResourceNotFound):
            await store.read_locator(outside, 10**6)
    with pytest.raises(ResourceNotFound):
        await store.read_locator("originals/.edge/backups/demo/none.png", 10**6)
    with pytest.raises(ResourceNotFound):  # edge's own area is never delivered
        await store.locate(".edge", "backups/demo/asset1/version1")


async def test_chunks_are_assembled_once_all_arrived(store, bucket, moto_url):
    data = bytes(range(256)) * 40
    chunks = [(start, data[start:start + 4000]) for start in range(0, len(data), 4000)]
    assert await store.add_part("upload1", chunks[2][0], chunks[2][1], len(data)) is None
    assert await store.add_part("upload1", chunks[0][0], chunks[0][1], len(data)) is None
    assert await store.add_part("upload1", chunks[0][0], chunks[0][1], len(data)) is None  # a resent chunk
    assert await store.add_part("upload1", chunks[1][0], chunks[1][1], len(data)) == data
    assert keys_in(moto_url, bucket, "originals/.edge/") == []


async def test_chunks_that_do_not_fit_end_to_end_are_refused(store, bucket, moto_url):
    assert await store.add_part("upload2", 0, b"abcd", 8) is None
    with pytest.raises(InvalidParameter, match="end to end"):
        await store.add_part("upload2", 2, b"cdefgh", 8)  # overlaps: 10 bytes for 8
    assert keys_in(moto_url, bucket, "originals/.edge/") == []
    with pytest.raises(InvalidParameter):
        await store.add_part("../escape", 0, b"x", 1)


async def test_leftovers_of_crashed_uploads_are_swept(store, bucket, moto_url, monkeypatch):
    import edge.origins.s3_janitor

    for key in ("originals/.edge/staging/crashed", "originals/.edge/parts/abandoned/00000000000000000000"):
        s3_client(moto_url).put_object(Bucket=bucket, Key=key, Body=b"x")
    monkeypatch.setattr(edge.origins.s3_janitor, "_LEFTOVERS_KEPT_SECONDS", -60)  # everything counts as old
    staged = await store.stage("demo", "fresh", "png", b"x")
    assert await store.add_part("fresh", 0, b"ab", 4) is None
    assert keys_in(moto_url, bucket, "originals/.edge/") == [
        "originals/.edge/parts/fresh/00000000000000000000", staged.temp,
    ]


async def test_invalid_public_ids_are_refused_before_any_write(store, bucket, moto_url):
    for public_id in ("../x", "a/.hidden", "", "a//b"):
        with pytest.raises(ResourceNotFound, match="Invalid public_id"):
            await store.stage("demo", public_id, "png", b"x")
    with pytest.raises(ResourceNotFound):
        await store.stage(".edge", "x", "png", b"x")
    with pytest.raises(ResourceNotFound):
        await store.stage("demo", "x", "png/../y", b"x")
    assert keys_in(moto_url, bucket, "originals/.edge/") == []


async def test_write_errors_are_translated_and_counted(s3_settings, aws_credentials):
    from edge.metrics import Metrics
    from edge.origins.s3 import S3OriginStore, open_client

    settings = s3_settings()
    metrics = Metrics()
    async with open_client(settings.s3) as client:
        missing = S3OriginStore(client, "no-such-bucket-here", "p", settings.s3, metrics)
        with pytest.raises(OriginUnavailable):  # a missing bucket is a storage fault, not a missing image
            await missing.stage("demo", "x", "png", b"x")
        with pytest.raises(OriginUnavailable):
            await missing.delete("demo", "x")
        # discard runs while another failure propagates: it logs instead of replacing that error
        await missing.discard(Staged("p/.edge/staging/x", "p/demo/x.png", "demo", "x"))
    assert prom.value(metrics.exposition().decode(), "edge_s3_requests_total", operation="put", result="error") == 1


async def test_a_failed_record_write_leaves_nothing_in_the_bucket(client_for, s3_settings, bucket, moto_url):
    from edge.catalog.models import Asset
    from edge.app import ORIGINS
    from edge.http.keys import UPLOADS
    from edge.services.assets import AssetStore, Stored
    from tests.helpers.catalogs import CrashingCatalog

    client = await client_for(s3_settings())
    app = client.server.app
    real = app[UPLOADS].store
    crashing = AssetStore(CrashingCatalog(real.catalog.db), app[ORIGINS], real.delivery, real.max_bytes)
    asset = Asset(cloud="demo", public_id="crash/one", asset_id="a1", version=5, version_id="v", format="png",
                  width=400, height=300, bytes=10, etag="e", created_at="2026-01-01T00:00:00Z")
    with pytest.raises(RuntimeError):
        await crashing.save(asset, Stored(geometry_png(), "png", 400, 300), previous=None, backup=False)
    assert (await client.get("/demo/image/upload/crash/one.png")).status == 404
    assert keys_in(moto_url, bucket) == ["originals/demo/fixtures/geometry.jpg", "originals/demo/geometry.png"]
    await real.save(asset, Stored(geometry_png(), "png", 400, 300), previous=None, backup=False)
    assert (await client.get("/demo/image/upload/crash/one.png")).status == 200


async def test_uploads_and_admin_writes_through_the_app(client_for, s3_settings, bucket, moto_url):
    import base64

    from tests.helpers.api import signed
    from tests.helpers.images import BLUE

    def data_uri(colour: tuple[int, int, int]) -> str:
        return "data:image/png;base64," + base64.b64encode(solid_png(colour, 8, 8)).decode()

    client = await client_for(s3_settings())
    for colour in (RED, BLUE):  # an upload, then an overwrite
        response = await client.post("/v1_1/demo/image/upload", data={**signed({"public_id": "api/one"}), "file": data_uri(colour)})
        assert response.status == 200, await response.text()
        assert near(pixel(decode(await (await client.get("/demo/image/upload/api/one.png")).read()), 2, 2), colour)
    response = await client.post("/v1_1/demo/image/rename", data=signed({"from_public_id": "api/one", "to_public_id": "api/two"}))
    assert response.status == 200, await response.text()
    assert (await client.get("/demo/image/upload/api/one.png")).status == 404
    response = await client.post("/v1_1/demo/image/destroy", data=signed({"public_id": "api/two"}))
    assert (await response.json())["result"] == "ok"
    assert (await client.get("/demo/image/upload/api/two.png")).status == 404
    assert keys_in(moto_url, bucket) == ["originals/demo/fixtures/geometry.jpg", "originals/demo/geometry.png"]


async def test_a_lookup_in_flight_during_a_write_is_not_kept(store):
    def lists() -> float:
        return prom.value(store.metrics.exposition().decode(), "edge_s3_requests_total", operation="list", result="ok")

    lookup = asyncio.create_task(store.locate("demo", "geometry"))
    for _ in range(3):  # the LIST is on its way
        await asyncio.sleep(0)
    store.forget("demo", "geometry")  # as a publish does once the new object is in place
    await lookup
    await store.locate("demo", "geometry")
    assert lists() == 2  # the answer that may predate the write was not cached
    await store.locate("demo", "geometry")
    assert lists() == 2


async def test_is_staged_tells_a_published_upload_from_an_unpublished_one(store):
    staged = await store.stage("demo", "journal", "png", b"bytes", None)
    assert await store.is_staged(staged)
    await store.publish(staged)
    assert not await store.is_staged(staged)
    other = await store.stage("demo", "journal2", "png", b"bytes", None)
    await store.discard(other)
    assert not await store.is_staged(other)
