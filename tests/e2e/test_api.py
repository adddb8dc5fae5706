"""The Upload and Admin APIs driven by the official SDK against a live `edge serve`, in both
profiles (the e2e server: folder store + SQLite in one process; S3 + PostgreSQL + Redis on two
workers), in the product environment `shop`."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pyvips
import pytest

from tests.helpers.images import BLUE, RED, decode, geometry_png, near, pixel, solid_png
from tests.helpers.servers import SHOP, SHOP_KEY, SHOP_OLD_KEY, SHOP_OLD_SECRET, SHOP_SECRET, fetch

CLOUD, KEY, SECRET = SHOP, SHOP_KEY, SHOP_SECRET
OLD_KEY, OLD_SECRET = SHOP_OLD_KEY, SHOP_OLD_SECRET


@pytest.fixture
def sdk(server) -> Iterator[tuple[str, int]]:
    base, port = server.base, server.port
    cloudinary.reset_config()
    cloudinary.config(
        cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
        cname=f"127.0.0.1:{port}", upload_prefix=base,
    )
    yield base, port
    cloudinary.reset_config()


def url_of(public_id: str, **options) -> str:
    return cloudinary.utils.cloudinary_url(public_id, **options)[0]


def test_signed_upload_returns_the_sdk_fields_and_delivers(sdk):
    base, _ = sdk
    result = cloudinary.uploader.upload(
        geometry_png(), public_id="products/geo", tags=["a", "b"], context={"alt": "A|B=C", "caption": "hi"}
    )
    for field in ("asset_id", "public_id", "version", "version_id", "signature", "width", "height", "format",
                  "resource_type", "created_at", "tags", "bytes", "type", "etag", "placeholder", "url",
                  "secure_url", "original_filename"):
        assert field in result, field
    assert result["public_id"] == "products/geo" and (result["width"], result["height"]) == (400, 300)
    assert result["format"] == "png" and result["tags"] == ["a", "b"] and result["url"].startswith(base)
    assert cloudinary.utils.verify_api_response_signature(result["public_id"], result["version"], result["signature"])
    status, headers, body = fetch(result["url"])
    assert status == 200 and decode(body).width == 400
    status, headers, body = fetch(url_of("products/geo", width=100, crop="scale", format="jpg"))
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and decode(body).width == 100
    details = cloudinary.api.resource("products/geo")
    assert details["context"]["custom"] == {"alt": "A|B=C", "caption": "hi"} and details["bytes"] == result["bytes"]


def test_rotated_key_and_data_uri_upload(sdk):
    data_uri = "data:image/png;base64," + base64.b64encode(solid_png(RED)).decode()
    result = cloudinary.uploader.upload(data_uri, public_id="datauri", api_key=OLD_KEY, api_secret=OLD_SECRET)
    assert (result["width"], result["height"]) == (64, 48)
    assert cloudinary.api.ping(api_key=OLD_KEY, api_secret=OLD_SECRET)["status"] == "ok"


def test_wrong_secret_and_stale_timestamp_are_refused(sdk):
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        cloudinary.uploader.upload(solid_png(RED), public_id="nope", api_secret="wrong")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        cloudinary.api.ping(api_secret="wrong")
    stale = str(int(time.time()) - 3700)
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Stale request"):
        cloudinary.uploader.call_api("upload", {"timestamp": stale, "public_id": "stale"}, file=solid_png(RED))
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.resource("nope")


def test_unsigned_upload_through_a_preset(sdk):
    cloudinary.api.create_upload_preset(name="open", unsigned=True, folder="incoming", tags="from-preset",
                                        allowed_formats="png,jpg")
    assert cloudinary.api.upload_preset("open")["unsigned"] is True
    result = cloudinary.uploader.unsigned_upload(solid_png(BLUE), "open", public_id="u1")
    assert result["public_id"] == "incoming/u1" and result["tags"] == ["from-preset"]
    # an unsigned caller cannot overwrite, nor escape the preset's folder
    again = cloudinary.uploader.unsigned_upload(solid_png(RED), "open", public_id="u1", overwrite=True, folder="elsewhere")
    assert again.get("existing") is True and again["version"] == result["version"]
    cloudinary.api.create_upload_preset(name="anon", unsigned=True, disallow_public_id=True)
    assert cloudinary.uploader.unsigned_upload(solid_png(RED), "anon", public_id="chosen")["public_id"] != "chosen"
    cloudinary.api.create_upload_preset(name="closed", unsigned=False)
    with pytest.raises(cloudinary.exceptions.BadRequest, match="unsigned"):
        cloudinary.uploader.unsigned_upload(solid_png(BLUE), "closed")
    with pytest.raises(cloudinary.exceptions.BadRequest):
        cloudinary.uploader.upload(solid_png(BLUE), unsigned=True)
    cloudinary.api.update_upload_preset("closed", tags="x")
    assert cloudinary.api.upload_preset("closed")["settings"]["tags"] == "x"
    assert {p["name"] for p in cloudinary.api.upload_presets()["presets"]} >= {"open", "closed"}
    cloudinary.api.delete_upload_preset("closed")
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.upload_preset("closed")


def test_pagination_over_250_assets(sdk, server):
    if server.originals.moto_url:
        pytest.skip("pagination is the catalog's; on S3 it only adds 520 calls to moto (about 13 s)")
    tiny = solid_png(RED, 4, 4)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: cloudinary.uploader.upload(tiny, public_id=f"page/{i:03d}"), range(260)))
    seen, cursor, pages = [], None, 0
    while True:
        options = {"type": "upload", "prefix": "page/", "max_results": 100}
        if cursor:
            options["next_cursor"] = cursor
        result = cloudinary.api.resources(**options)
        seen += [r["public_id"] for r in result["resources"]]
        pages += 1
        cursor = result.get("next_cursor")
        if not cursor:
            break
    assert pages == 3 and seen == [f"page/{i:03d}" for i in range(260)]
    backwards = cloudinary.api.resources(prefix="page/", max_results=5, direction="desc")
    assert [r["public_id"] for r in backwards["resources"]][0] == "page/259"
    deleted = cloudinary.api.delete_resources_by_prefix("page/")
    assert len(deleted["deleted"]) == 260 and set(deleted["deleted"].values()) == {"deleted"}


def test_overwrite_shows_new_pixels_and_destroy_gives_404(sdk):
    first = cloudinary.uploader.upload(solid_png(RED), public_id="swap")
    url = url_of("swap", width=20, crop="scale", format="png")
    assert near(pixel(decode(fetch(url)[2]), 5, 5), RED)
    second = cloudinary.uploader.upload(solid_png(BLUE), public_id="swap", overwrite=True, invalidate=True)
    assert second["version"] > first["version"] and second["asset_id"] == first["asset_id"]
    for _ in range(3):  # whichever worker answers
        assert near(pixel(decode(fetch(url)[2]), 5, 5), BLUE)
    kept = cloudinary.uploader.upload(solid_png(RED), public_id="swap", overwrite=False)
    assert kept.get("existing") is True and kept["version"] == second["version"]
    assert cloudinary.uploader.destroy("swap")["result"] == "ok"
    for _ in range(3):
        status, headers, _ = fetch(url)
        assert status == 404 and "X-Cld-Error" in headers
    assert cloudinary.uploader.destroy("swap")["result"] == "not found"


def test_rename_moves_original_and_record(sdk):
    cloudinary.uploader.upload(solid_png(RED), public_id="old/name")
    renamed = cloudinary.uploader.rename("old/name", "new/name")
    assert renamed["public_id"] == "new/name"
    assert fetch(url_of("new/name", format="png"))[0] == 200
    assert fetch(url_of("old/name", format="png"))[0] == 404
    cloudinary.uploader.upload(solid_png(BLUE), public_id="taken")
    with pytest.raises(cloudinary.exceptions.AlreadyExists):
        cloudinary.uploader.rename("new/name", "taken")


def test_tags_context_metadata_and_admin_queries(sdk):
    for name in ("t/1", "t/2", "t/3"):
        cloudinary.uploader.upload(solid_png(RED, 8, 8), public_id=name, tags="base")
    assert cloudinary.uploader.add_tag("hot", ["t/1", "t/2"])["public_ids"] == ["t/1", "t/2"]
    cloudinary.uploader.remove_tag("base", ["t/1"])
    cloudinary.uploader.replace_tag("only", ["t/3"])
    listed = cloudinary.api.resources_by_tag("hot", tags=True)["resources"]
    assert [(r["public_id"], r["tags"]) for r in listed] == [("t/1", ["hot"]), ("t/2", ["base", "hot"])]
    cloudinary.uploader.add_context({"k": "v"}, ["t/2"])
    assert [r["public_id"] for r in cloudinary.api.resources_by_context("k", "v")["resources"]] == ["t/2"]
    cloudinary.api.update("t/3", tags=["x", "y"], context={"c": "d"})
    assert cloudinary.api.resource("t/3")["tags"] == ["x", "y"]
    assert "hot" in cloudinary.api.tags(prefix="h")["tags"]
    cloudinary.uploader.remove_all_tags(["t/2"])
    assert cloudinary.api.resource("t/2")["tags"] == []
    assert {"name": "t", "path": "t"} in cloudinary.api.root_folders()["folders"]
    cloudinary.api.create_folder("empty/inner")
    assert cloudinary.api.subfolders("empty")["folders"] == [{"name": "inner", "path": "empty/inner"}]
    assert cloudinary.api.usage()["resources"] >= 3
    result = cloudinary.api.delete_resources_by_tag("hot")
    assert set(result["deleted"]) == {"t/1"}  # t/2 lost "hot" with remove_all_tags


def test_named_transformations_eager_and_derived(sdk):
    cloudinary.api.create_transformation("thumb", {"width": 30, "height": 30, "crop": "fill"})
    assert cloudinary.api.transformation("thumb")["allowed_for_strict"] is False
    cloudinary.uploader.upload(geometry_png(), public_id="named")
    status, headers, body = fetch(url_of("named", transformation="thumb", format="png"))
    assert status == 200 and (decode(body).width, decode(body).height) == (30, 30), headers.get("X-Cld-Error")
    cloudinary.api.update_transformation("thumb", unsafe_update={"width": 20, "height": 10, "crop": "fill"})
    deadline = time.monotonic() + 1.1  # every worker sees the new definition within a second (test_live.py)
    while time.monotonic() < deadline:
        sizes = {(decode(b).width, decode(b).height) for b in (fetch(url_of("named", transformation="thumb", format="png"))[2] for _ in range(4))}
        if sizes == {(20, 10)}:
            break
        time.sleep(0.5)
    assert sizes == {(20, 10)}
    assert fetch(url_of("named", transformation="undefined", format="png"))[0] == 400
    cloudinary.api.update_transformation("thumb", allowed_for_strict=True)
    assert cloudinary.api.transformation("t_thumb")["allowed_for_strict"] is True
    assert "t_thumb" in [t["name"] for t in cloudinary.api.transformations()["transformations"]]
    with pytest.raises(cloudinary.exceptions.AlreadyExists):
        cloudinary.api.create_transformation("thumb", "w_10")
    cloudinary.api.delete_transformation("thumb")
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.transformation("thumb")
    result = cloudinary.uploader.upload(geometry_png(), public_id="eager", eager=[{"width": 40, "crop": "scale", "format": "webp"}])
    assert result["eager"][0]["transformation"] == "c_scale,w_40/webp"
    status, headers, body = fetch(result["eager"][0]["url"])
    assert status == 200 and headers["X-Cache"] in ("memory", "disk") and decode(body).width == 40
    derived = cloudinary.api.resource("eager")["derived"]
    assert [(d["transformation"], d["format"]) for d in derived] == [("c_scale,w_40", "webp")]
    cloudinary.api.delete_derived_by_transformation(["eager"], ["c_scale,w_40/webp"])
    assert cloudinary.api.resource("eager")["derived"] == []


def test_signed_delivery_urls(sdk):
    cloudinary.uploader.upload(geometry_png(), public_id="private/signed")
    for long in (False, True):
        url = url_of("private/signed", width=50, crop="scale", format="png", sign_url=True, long_url_signature=long)
        assert "/s--" in url
        assert fetch(url)[0] == 200
        signature = url.split("/s--")[1][:4]
        tampered = url.replace("/s--" + signature, "/s--" + ("AAAA" if signature != "AAAA" else "BBBB"))
        status, headers, _ = fetch(tampered)
        assert status == 401 and headers["X-Cld-Error"] == "Invalid signature"
    other = cloudinary.utils.cloudinary_url("private/signed", width=50, crop="scale", format="png", sign_url=True,
                                             api_secret="not-the-secret")[0]
    assert fetch(other)[0] == 401


def test_backups_and_restore(sdk):
    cloudinary.uploader.upload(solid_png(RED), public_id="kept", backup=True)
    cloudinary.uploader.upload(solid_png(BLUE), public_id="kept", backup=True)
    versions = cloudinary.api.resource("kept", versions=True)["versions"]
    assert len(versions) == 2 and versions[1]["restorable"] is True
    cloudinary.uploader.destroy("kept")
    assert fetch(url_of("kept", format="png"))[0] == 404
    restored = cloudinary.api.restore(["kept"])
    assert restored["kept"]["public_id"] == "kept"
    status, _, body = fetch(url_of("kept", width=10, crop="scale", format="png"))
    assert status == 200 and near(pixel(decode(body), 5, 5), BLUE)
    assert cloudinary.api.restore(["never-backed-up"])["never-backed-up"] == {"error": "no_backup"}
    asset_id = restored["kept"]["asset_id"]
    assert cloudinary.api.resource_by_asset_id(asset_id)["public_id"] == "kept"
    assert [r["public_id"] for r in cloudinary.api.resources_by_asset_ids([asset_id])["resources"]] == ["kept"]
    assert cloudinary.api.delete_resources_by_asset_ids([asset_id])["deleted"] == {asset_id: "deleted"}
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.resource_by_asset_id(asset_id)
    assert cloudinary.api.restore_by_asset_ids([asset_id])[asset_id]["public_id"] == "kept"


def test_url_upload_refuses_private_addresses_and_bad_files(sdk):
    base, _ = sdk
    with pytest.raises(cloudinary.exceptions.Error, match="private address"):
        cloudinary.uploader.upload(f"{base}/healthz", public_id="ssrf")
    with pytest.raises(cloudinary.exceptions.Error, match="private address"):
        cloudinary.uploader.upload("http://169.254.169.254/latest/meta-data", public_id="ssrf")
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid image file"):
        cloudinary.uploader.upload(b"not an image at all", public_id="text")
    with pytest.raises(cloudinary.exceptions.BadRequest, match="not allowed"):
        cloudinary.uploader.upload(solid_png(RED), public_id="fmt", allowed_formats=["jpg"])


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], str]] = []
    fail_first = True

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if _Receiver.fail_first:  # the first try fails: the retry must come
            _Receiver.fail_first = False
            self.send_response(503)
        else:
            _Receiver.received.append((dict(self.headers), body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_webhook_is_signed_retried_and_not_blocking(sdk):
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.fail_first = [], True
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        result = cloudinary.uploader.upload(
            solid_png(RED), public_id="hooked", notification_url=f"http://127.0.0.1:{receiver.server_port}/hook"
        )
        assert time.monotonic() - started < 1.0  # the response did not wait for the retry
        deadline = time.monotonic() + 10
        while not _Receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        headers, body = _Receiver.received[0]
        assert cloudinary.utils.verify_notification_signature(body, headers["X-Cld-Timestamp"], headers["X-Cld-Signature"])
        assert not cloudinary.utils.verify_notification_signature(body + " ", headers["X-Cld-Timestamp"], headers["X-Cld-Signature"])
        payload = json.loads(body)
        assert payload["notification_type"] == "upload" and payload["public_id"] == result["public_id"]

        hook = f"http://127.0.0.1:{receiver.server_port}/eager"
        result = cloudinary.uploader.upload(solid_png(RED), public_id="later", eager=[{"width": 16, "crop": "scale"}],
                                            eager_async=True, eager_notification_url=hook)
        assert result["eager"] == []
        deadline = time.monotonic() + 10
        while len(_Receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = {json.loads(b)["notification_type"]: json.loads(b) for _, b in _Receiver.received}
        assert kinds["eager"]["eager"][0]["transformation"] == "c_scale,w_16"
        assert fetch(kinds["eager"]["eager"][0]["url"])[1]["X-Cache"] in ("memory", "disk")
    finally:
        receiver.shutdown()


def _edge(*args: str, port: int, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")}
    env["CLOUDINARY_URL"] = f"cloudinary://{KEY}:{SECRET}@{CLOUD}"
    return subprocess.run([sys.executable, "-m", "edge", *args, *(["--url", f"http://127.0.0.1:{port}"] if args[0] != "keys" else [])],
                          env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


def test_cli_keys_upload_and_resumable_import(sdk, tmp_path):
    _, port = sdk
    keys = _edge("keys", "new", port=port, cwd=tmp_path)  # stored in the catalog under tmp_path/var
    assert keys.returncode == 0 and keys.stdout.startswith("cloudinary://") and keys.stdout.strip().endswith(f"@{CLOUD}")
    single = tmp_path / "single.png"
    single.write_bytes(solid_png(RED))
    done = _edge("upload", str(single), "--folder", "cli", "--tags", "a,b", port=port)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["public_id"] == "cli/single" and cloudinary.api.resource("cli/single")["tags"] == ["a", "b"]
    tree = tmp_path / "tree"
    for name in ("x/1.png", "x/2.png", "y.png", ".hidden/z.png"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(solid_png(BLUE, 8, 8))
    first = _edge("import", str(tree), "--folder", "bulk", port=port)
    assert first.returncode == 0 and "uploaded 3, skipped 0" in first.stdout, first.stderr
    (tree / "y.png").write_bytes(solid_png(RED, 8, 8))  # changed: sent again
    again = _edge("import", str(tree), "--folder", "bulk", port=port)
    assert "uploaded 1, skipped 2" in again.stdout
    listed = [r["public_id"] for r in cloudinary.api.resources(prefix="bulk/")["resources"]]
    assert listed == ["bulk/x/1", "bulk/x/2", "bulk/y"]


def test_explicit_metadata_and_context_removal(sdk):
    cloudinary.uploader.upload(geometry_png(), public_id="exp", context={"a": "1"})
    result = cloudinary.uploader.explicit("exp", type="upload", tags=["made"], eager=[{"width": 25, "crop": "scale", "format": "jpg"}])
    assert result["tags"] == ["made"] and result["eager"][0]["transformation"] == "c_scale,w_25/jpg"
    status, headers, body = fetch(result["eager"][0]["url"])
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and decode(body).width == 25
    cloudinary.api.add_metadata_field({"type": "string", "external_id": "sku", "label": "SKU"})
    assert cloudinary.uploader.update_metadata({"sku": "X-1"}, ["exp"])["public_ids"] == ["exp"]
    assert cloudinary.api.resource("exp", metadata=True)["metadata"] == {"sku": "X-1"}
    cloudinary.uploader.remove_all_context(["exp"])
    assert "context" not in cloudinary.api.resource("exp")
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.uploader.explicit("missing", type="upload")


def test_upload_large_in_chunks_and_non_images_refused(sdk, tmp_path):
    big = tmp_path / "big.png"
    data = pyvips.Image.gaussnoise(300, 200).cast("uchar").copy(interpretation="b-w").pngsave_buffer(compression=0)
    big.write_bytes(data)
    result = cloudinary.uploader.upload_large(str(big), resource_type="image", chunk_size=20_000, public_id="chunked")
    assert result["public_id"] == "chunked" and result["bytes"] == len(data) and (result["width"], result["height"]) == (300, 200)
    status, _, body = fetch(result["url"])
    assert status == 200 and decode(body).avg() == pytest.approx(pyvips.Image.new_from_buffer(data, "").avg())
    anonymous = cloudinary.uploader.upload_large(str(big), resource_type="image", chunk_size=25_000)
    assert anonymous["bytes"] == len(data) and fetch(anonymous["url"])[0] == 200
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid video file"):  # videos are accepted; a PDF is not one
        cloudinary.uploader.upload(b"%PDF-1.4", resource_type="video")


def test_raw_files_private_and_authenticated_through_the_sdk(sdk, tmp_path):
    """The SDK uploads a raw file and images of the other types; its URLs deliver them."""
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")
    raw = cloudinary.uploader.upload(str(report), resource_type="raw", use_filename=True, unique_filename=False)
    assert raw["public_id"] == "report.pdf" and raw["resource_type"] == "raw"
    status, headers, body = fetch(cloudinary.utils.cloudinary_url("report.pdf", resource_type="raw")[0])
    assert status == 200 and body == report.read_bytes() and headers["Content-Type"] == "application/pdf"
    assert cloudinary.uploader.destroy("report.pdf", resource_type="raw")["result"] == "ok"
    big = tmp_path / "data.csv"
    big.write_bytes(b"".join(b"%d,%d\n" % (i, i * i) for i in range(20_000)))
    chunked = cloudinary.uploader.upload_large(str(big), resource_type="raw", chunk_size=60_000, public_id="data.csv")
    assert chunked["public_id"] == "data.csv" and chunked["bytes"] == big.stat().st_size
    status, headers, body = fetch(cloudinary.utils.cloudinary_url("data.csv", resource_type="raw")[0])
    assert status == 200 and body == big.read_bytes() and headers["Content-Type"] == "text/csv"
    private = cloudinary.uploader.upload(solid_png(RED), public_id="vault/red", type="private")
    assert private["type"] == "private"
    assert fetch(cloudinary.utils.cloudinary_url("vault/red", type="private", format="png")[0])[0] == 401
    assert fetch(cloudinary.utils.cloudinary_url("vault/red", type="private", format="png", sign_url=True)[0])[0] == 200
    cloudinary.uploader.upload(solid_png(BLUE), public_id="vault/blue", type="authenticated")
    signed = cloudinary.utils.cloudinary_url("vault/blue", type="authenticated", format="png", width=10, crop="scale", sign_url=True)[0]
    status, _, body = fetch(signed)
    assert status == 200 and decode(body).width == 10
    unsigned = cloudinary.utils.cloudinary_url("vault/blue", type="authenticated", format="png", width=10, crop="scale")[0]
    assert fetch(unsigned)[0] == 401


def test_stored_originals_follow_upload_overwrite_rename_and_destroy(sdk, server, tmp_path):
    """What the store holds at each step (last in the module: no upload may have left anything)."""
    originals = server.originals

    def stored() -> list[str]:
        return [name for name in originals.names() if name.startswith(f"{CLOUD}/life/")]

    def leftovers() -> list[str]:
        return [name for name in originals.names() if name.startswith((".edge/staging/", ".edge/parts/")) or "/.upload-" in name]

    red, blue = tmp_path / "red.png", tmp_path / "blue.jpg"
    red.write_bytes(solid_png(RED))
    blue.write_bytes((pyvips.Image.black(64, 48) + list(BLUE)).cast("uchar").copy(interpretation="srgb").jpegsave_buffer())
    first = cloudinary.uploader.upload(str(red), public_id="life/cycle")
    assert first["original_filename"] == "red" and stored() == [f"{CLOUD}/life/cycle.png"]
    url = url_of("life/cycle", width=10, crop="scale", format="png")
    assert near(pixel(decode(fetch(url)[2]), 5, 5), RED)
    second = cloudinary.uploader.upload(str(blue), public_id="life/cycle", overwrite=True)
    assert second["format"] == "jpg" and stored() == [f"{CLOUD}/life/cycle.jpg"]  # the new format wins
    for _ in range(3):  # whichever worker answers
        assert near(pixel(decode(fetch(url)[2]), 5, 5), BLUE)
    assert cloudinary.uploader.rename("life/cycle", "life/moved")["public_id"] == "life/moved"
    assert stored() == [f"{CLOUD}/life/moved.jpg"]
    assert fetch(url)[0] == 404
    status, _, body = fetch(url_of("life/moved", width=10, crop="scale", format="png"))
    assert status == 200 and near(pixel(decode(body), 5, 5), BLUE)
    assert cloudinary.uploader.destroy("life/moved")["result"] == "ok"
    assert stored() == [] and fetch(url_of("life/moved", format="png"))[0] == 404
    assert leftovers() == []


def test_eager_entries_have_the_sdks_documented_shape(sdk):
    """Bug: eager entries answered without width, height (and bytes, format)."""
    result = cloudinary.uploader.upload(geometry_png(), public_id="eager-shape",
                                        eager=[{"width": 40, "crop": "scale", "format": "webp"}, {"width": 30, "height": 20, "crop": "fill"}])
    explicit = cloudinary.uploader.explicit("eager-shape", type="upload", eager=[{"width": 25, "crop": "scale", "format": "jpg"}])
    expected = [("c_scale,w_40/webp", 40, 30, "webp"), ("c_fill,h_20,w_30", 30, 20, "png"), ("c_scale,w_25/jpg", 25, 19, "jpg")]
    entries = result["eager"] + explicit["eager"]
    for entry, (transformation, width, height, fmt) in zip(entries, expected, strict=True):
        assert set(entry) >= {"transformation", "width", "height", "bytes", "format", "url", "secure_url"}
        assert (entry["transformation"], entry["width"], entry["height"], entry["format"]) == (transformation, width, height, fmt)
        status, headers, body = fetch(entry["secure_url"])
        assert status == 200 and len(body) == entry["bytes"]
        assert (decode(body).width, decode(body).height) == (entry["width"], entry["height"])


def test_an_accepted_strip_past_the_output_limit_is_delivered_as_stored(sdk):
    """Bug: a 10000x1 upload was accepted, then its plain URL answered 400 (over the output limit)."""
    strip = (pyvips.Image.black(10_000, 1, bands=3) + [10, 200, 30]).cast("uchar").pngsave_buffer()
    result = cloudinary.uploader.upload(strip, public_id="strip")
    assert (result["width"], result["height"]) == (10_000, 1)
    reference = cloudinary.uploader.upload(solid_png(RED), public_id="strip-reference")
    _, reference_headers, _ = fetch(reference["url"])
    for url in (result["url"], url_of("strip", format="png")):
        status, headers, body = fetch(url)
        assert status == 200 and body == strip and headers["Content-Type"] == "image/png", headers.get("X-Cld-Error")
    status, headers, body = fetch(result["url"])
    assert headers["Cache-Control"] == reference_headers["Cache-Control"] and headers["ETag"]
    assert fetch(url_of("strip", width=20000, crop="scale", format="png"))[0] == 400  # a transformation still checks limits
