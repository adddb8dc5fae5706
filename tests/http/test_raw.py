"""`raw` files: upload through the Upload API, delivery as the SDK spells it, safe types, ranges."""

from __future__ import annotations

import aiohttp
import cloudinary.utils
import pytest

from edge.services.purge import cloud_key, surrogate_key
from edge.services.raw import classify
from tests.helpers.api import SECRET, signed
from tests.helpers.images import geometry_png

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def url(public_id: str, **options) -> str:
    built = cloudinary.utils.cloudinary_url(public_id, resource_type="raw", cloud_name="demo", api_secret=SECRET,
                                            secure=False, cname="edge.test", **options)[0]
    return built.split("edge.test", 1)[1]


async def upload_raw(client, data: bytes, filename: str, **params) -> dict:
    form = aiohttp.FormData(signed(params))
    form.add_field("file", data, filename=filename)
    response = await client.post("/v1_1/demo/raw/upload", data=form)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_upload_and_deliver_a_pdf_with_ranges(client):
    body = await upload_raw(client, PDF, "report.pdf", public_id="docs/report.pdf")
    assert body["resource_type"] == "raw" and body["public_id"] == "docs/report.pdf" and body["bytes"] == len(PDF)
    path = url("docs/report.pdf", version=body["version"])
    assert body["url"].endswith(path)
    response = await client.get(path)
    assert response.status == 200 and await response.read() == PDF
    assert response.headers["Content-Type"] == "application/pdf" and "Content-Disposition" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"].endswith("immutable")
    assert response.headers["Surrogate-Key"].split() == [surrogate_key("demo", "raw", "upload", "docs/report.pdf"), cloud_key("demo")]
    etag = response.headers["ETag"]
    part = await client.get(path, headers={"Range": "bytes=0-3"})
    assert part.status == 206 and await part.read() == b"%PDF" and part.headers["Content-Range"] == f"bytes 0-3/{len(PDF)}"
    tail = await client.get(path, headers={"Range": "bytes=-6"})
    assert tail.status == 206 and await tail.read() == PDF[-6:]
    assert tail.headers["Content-Range"] == f"bytes {len(PDF) - 6}-{len(PDF) - 1}/{len(PDF)}"
    assert (await client.get(path, headers={"Range": f"bytes={len(PDF)}-"})).status == 416
    assert (await client.get(path, headers={"Range": "bytes=0-3", "If-Range": '"old"'})).status == 200
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304
    assert (await client.get(url("docs/report.pdf"))).status == 200  # no version: still found
    assert (await client.get("/demo/image/upload/docs/report.pdf")).status in (400, 404)


@pytest.mark.parametrize("name, data, media_type, inline", [
    ("page.html", b"<html><script>alert(1)</script></html>", "application/octet-stream", False),
    ("notes.txt", b"<script>alert(1)</script>", "application/octet-stream", False),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "application/octet-stream", False),
    ("app.js", b"alert(1)", "application/octet-stream", False),
    ("image.png", b"<html>not a png</html>", "application/octet-stream", False),
    ("data.csv", b"a,b\n1,2\n", "text/csv", True),
    ("readme.txt", "héllo wörld".encode(), "text/plain", True),
    ("photo.bin", geometry_png(), "image/png", True),
    ("archive.zip", b"PK\x03\x04rest", "application/zip", False),
    ("blob", b"\x00\x01\x02\xff", "application/octet-stream", False),
])
def test_content_types_are_sniffed_and_risky_ones_never_inline(name, data, media_type, inline):
    assert classify(data, name) == (media_type, inline)


async def test_risky_files_are_attachments(client):
    body = await upload_raw(client, b"<html><script>alert(1)</script></html>", "page.html")
    assert body["public_id"].endswith(".html")
    response = await client.get(url(body["public_id"]))
    assert response.status == 200 and response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_private_raw_files_and_destroy(client):
    await upload_raw(client, PDF, "secret.pdf", public_id="secret.pdf", type="private")
    assert (await client.get(url("secret.pdf", type="private"))).status == 401
    assert (await client.get(url("secret.pdf"))).status == 404
    response = await client.get(url("secret.pdf", type="private", sign_url=True))
    assert response.status == 200 and await response.read() == PDF
    response = await client.post("/v1_1/demo/raw/destroy", data=signed({"public_id": "secret.pdf", "type": "private"}))
    assert (await response.json())["result"] == "ok"
    assert (await client.get(url("secret.pdf", type="private", sign_url=True))).status == 404


async def test_what_raw_does_not_offer_is_a_clear_400(client):
    await upload_raw(client, PDF, "a.pdf", public_id="a.pdf")
    response = await client.post("/v1_1/demo/raw/rename", data=signed({"from_public_id": "a.pdf", "to_public_id": "b.pdf"}))
    assert response.status == 400 and "raw" in response.headers["X-Cld-Error"]
    response = await client.post("/v1_1/demo/video/upload", data=signed({}))
    assert response.status == 400
    assert (await client.get("/demo/raw/fetch/http://example.com/a.pdf")).status == 400
