"""The widgets in Chromium, embedded by a page on another origin than edge (see conftest.py).
Few tests, one browser for the session; each saves screenshots under var/test-artifacts/widgets/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cloudinary.api
import cloudinary.uploader
import pytest
import pyvips

from tests.helpers.servers import fetch

AXE = Path(__file__).resolve().parents[2] / "edge/widgets/static/vendor/axe-core-4.14.1/axe.min.js"
STORED = ("public_id", "version", "version_id", "asset_id", "format", "width", "height", "bytes", "etag", "type",
          "resource_type", "created_at", "tags", "url", "secure_url", "original_filename")


def solid_png(path: Path, width: int, height: int, rgb: tuple[int, int, int], compression: int = 6) -> Path:
    image = (pyvips.Image.black(width, height, bands=3) + list(rgb)).cast("uchar")
    image.pngsave(str(path), compression=compression)
    return path


def big_png(path: Path, megabytes: float) -> Path:
    """An uncompressed PNG just over `megabytes` (a gradient: cheap to make, still a valid image)."""
    side = int((megabytes * 1_000_000 / 3) ** 0.5) + 8
    image = pyvips.Image.xyz(side, side).extract_band(0).cast("uchar").bandjoin([pyvips.Image.xyz(side, side).extract_band(1).cast("uchar")] * 2)
    image.pngsave(str(path), compression=0)
    return path


def event_names(page) -> list[str]:
    return [e["event"] for e in page.evaluate("window.__events")]


def uploads_seen(page) -> list:
    seen: list = []
    page.on("request", lambda r: seen.append(r) if "/v1_1/" in r.url and r.method == "POST" else None)
    return seen


def serious_axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_unsigned_uploads_three_files_one_chunked_and_success_is_what_edge_stored(page, sdk, tmp_path, artifacts):
    cloudinary.api.create_upload_preset(name="shop_unsigned", unsigned=True, tags="from-widget")
    files = [solid_png(tmp_path / "red.png", 320, 240, (220, 30, 30)), solid_png(tmp_path / "green.png", 240, 320, (30, 200, 60)),
             big_png(tmp_path / "large.png", 21)]
    assert files[2].stat().st_size > 20_000_000
    requests = uploads_seen(page)
    page.evaluate("makeUpload({cloudName: 'demo', uploadPreset: 'shop_unsigned', sources: ['local', 'url', 'dropbox'], folder: 'shop'})")
    page.click("#open")
    page.wait_for_selector(".cldw-dialog[role=dialog]")
    assert page.evaluate("widget.isShowing()") is True
    page.screenshot(path=str(artifacts / "upload-open.png"))
    assert serious_axe_violations(page) == []
    page.set_input_files(".cldw-file-input", [str(f) for f in files])
    page.wait_for_function("window.__events.some(e => e.event === 'queues-end')", timeout=90_000)
    page.screenshot(path=str(artifacts / "upload-done.png"))

    assert page.evaluate("window.__errors") == []
    assert event_names(page) == ["source-changed", "display-changed", "upload-added", "upload-added", "upload-added",
                                 "queues-start", "success", "success", "success", "queues-end"]
    events = page.evaluate("window.__events")
    assert events[1]["info"] == "shown" and events[0]["info"] == {"source": "local"}
    assert [e["info"]["file"]["name"] for e in events[2:5]] == ["red.png", "green.png", "large.png"]
    successes = [e["info"] for e in events if e["event"] == "success"]
    for info in successes:
        stored = cloudinary.api.resource(info["public_id"])
        for field in STORED:
            assert info[field] == stored[field], field
        assert info["public_id"].startswith("shop/") and info["tags"] == ["from-widget"]
    assert [(s["width"], s["height"]) for s in successes[:2]] == [(320, 240), (240, 320)]
    assert successes[2]["bytes"] == files[2].stat().st_size
    assert [f["status"] for f in events[-1]["info"]["files"]] == ["success"] * 3
    assert [f["uploadInfo"]["public_id"] for f in events[-1]["info"]["files"]] == [s["public_id"] for s in successes]

    chunked = [r for r in requests if r.headers.get("content-range")]
    assert [r.headers["content-range"] for r in chunked] == [
        f"bytes 0-19999999/{files[2].stat().st_size}", f"bytes 20000000-{files[2].stat().st_size - 1}/{files[2].stat().st_size}"]
    assert len({r.headers["x-unique-upload-id"] for r in chunked}) == 1
    assert len(requests) == 4 and all("/v1_1/demo/image/upload" in r.url for r in requests)
    assert any("dropbox" in m and "not supported" in m for m in page.console_messages)
    assert serious_axe_violations(page) == []

    page.keyboard.press("Escape")  # the modal closes on Escape and says so
    assert page.evaluate("widget.isShowing()") is False
    assert event_names(page)[-2:] == ["close", "display-changed"]


def test_signed_upload_through_a_signature_function(page, sdk, tmp_path):
    picture = solid_png(tmp_path / "blue.png", 200, 100, (20, 40, 220))
    page.evaluate("makeUpload({cloudName: 'demo', apiKey: 'key', signed: true, folder: 'signed', tags: ['a', 'b'],"
                  " context: {alt: 'blue'}, multiple: false})")
    page.click("#open")
    inside = "document.querySelector('.cldw-dialog').contains(document.activeElement)"
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:  # the modal keeps the focus (a focus trap)
        page.keyboard.press(key)
        assert page.evaluate(inside), key
    page.set_input_files(".cldw-file-input", str(picture))
    page.wait_for_function("window.__events.some(e => e.event === 'queues-end')", timeout=30_000)
    assert page.evaluate("window.__errors") == []
    info = next(e["info"] for e in page.evaluate("window.__events") if e["event"] == "success")
    stored = cloudinary.api.resource(info["public_id"])
    assert info["public_id"].startswith("signed/") and stored["tags"] == ["a", "b"]
    assert stored["context"]["custom"] == {"alt": "blue"}
    for field in STORED:
        assert info[field] == stored[field], field
    assert event_names(page)[-3:] == ["queues-end", "close", "display-changed"]  # singleUploadAutoClose


def test_url_and_camera_sources_and_scaling_down_in_the_browser(page, sdk, site, artifacts):
    cloudinary.api.create_upload_preset(name="shop_sources", unsigned=True)
    page.evaluate("makeUpload({cloudName: 'demo', uploadPreset: 'shop_sources', maxImageWidth: 320, folder: 'sources',"
                  " captionFromName: true})")
    page.click("#open")
    page.click(".cldw-tab[data-source=url]")
    page.fill(".cldw-url input", f"{site}/pictures/yellow.png")
    page.click(".cldw-url button[type=submit]")
    page.wait_for_function("window.__events.filter(e => e.event === 'success').length === 1", timeout=30_000)
    page.click(".cldw-tab[data-source=camera]")
    page.wait_for_function("document.querySelector('.cldw-video').videoWidth > 0", timeout=15_000)
    page.screenshot(path=str(artifacts / "upload-camera.png"))
    assert page.evaluate("document.querySelector('.cldw-video').videoWidth") > 320
    page.click(".cldw-camera button")
    page.wait_for_function("window.__events.filter(e => e.event === 'success').length === 2", timeout=30_000)
    assert page.evaluate("window.__errors") == []
    events = page.evaluate("window.__events")
    assert [e["info"] for e in events if e["event"] == "source-changed"] == [{"source": "local"}, {"source": "url"}, {"source": "camera"}]
    by_url, by_camera = [e["info"] for e in events if e["event"] == "success"]
    assert (by_url["width"], by_url["height"], by_url["format"]) == (300, 200, "png")
    assert by_camera["width"] == 320 and by_camera["format"] == "jpg"  # scaled down before it was sent
    assert cloudinary.api.resource(by_camera["public_id"])["width"] == 320
    assert cloudinary.api.resource(by_url["public_id"])["context"]["custom"] == {"caption": "from yellow.png"}  # prepareUploadParams
    page.evaluate("widget.close()")  # the camera stops with the widget
    assert page.evaluate("document.querySelector('.cldw-video') === null || !document.querySelector('.cldw-video').srcObject || "
                         "document.querySelector('.cldw-video').srcObject.getTracks().every(t => t.readyState === 'ended')")


def test_client_checks_refuse_before_any_byte_is_sent(page, sdk, tmp_path, artifacts):
    cloudinary.api.create_upload_preset(name="shop_strict", unsigned=True)
    large = solid_png(tmp_path / "large.png", 300, 300, (1, 2, 3), compression=0)
    jpeg = tmp_path / "photo.jpg"
    pyvips.Image.black(50, 50).jpegsave(str(jpeg))
    small = solid_png(tmp_path / "small.png", 20, 20, (9, 9, 9))
    requests = uploads_seen(page)
    page.evaluate("makeUpload({cloudName: 'demo', uploadPreset: 'shop_strict', maxFileSize: 100000,"
                  " clientAllowedFormats: ['png'], minImageWidth: 40})")
    page.click("#open")
    page.set_input_files(".cldw-file-input", [str(large), str(jpeg), str(small)])
    page.wait_for_selector(".cldw-item[data-status=failed] >> nth=2")
    page.screenshot(path=str(artifacts / "upload-refused.png"))
    errors = page.locator(".cldw-error").all_inner_texts()
    assert errors[0].startswith("File size (") and "exceeds maximum allowed (98 KB)" in errors[0]
    assert errors[1] == "File format not allowed (jpg)"
    assert errors[2] == "Image is smaller than the minimum allowed (40 px wide)"
    assert requests == [] and "upload-added" not in event_names(page)

    # A server refusal is shown as the server worded it.
    page.evaluate("widget.update({uploadPreset: 'no_such_preset', maxFileSize: 0, minImageWidth: 0, clientAllowedFormats: []})")
    page.set_input_files(".cldw-file-input", str(small))
    page.wait_for_function("window.__errors.length === 1")
    assert page.evaluate("window.__errors[0]") == {"status": 400, "statusText": "Upload preset not found - no_such_preset"}
    assert page.locator(".cldw-error").last.inner_text() == "Upload preset not found - no_such_preset"
    assert len(requests) == 1

    # Retry, once the cause is fixed: Cloudinary's `retry` event, then the upload.
    page.evaluate("widget.update({uploadPreset: 'shop_strict'})")
    page.click(".cldw-item[data-status=failed] [data-action=retry]")
    page.wait_for_function("window.__events.some(e => e.event === 'success')")
    retry = page.evaluate("window.__events.find(e => e.event === 'retry').info")
    assert retry["all"] is False and len(retry["ids"]) == 1
    assert len(requests) == 2

    # maxFiles: the whole batch is cancelled, with Cloudinary's reason.
    page.evaluate("widget.update({maxFiles: 1})")
    page.set_input_files(".cldw-file-input", [str(small), str(small)])
    page.wait_for_function("window.__events.some(e => e.event === 'batch-cancelled')")
    assert page.evaluate("window.__events.find(e => e.event === 'batch-cancelled').info") == {"reason": "MAX_EXCEEDED"}
    assert page.locator(".cldw-notice").inner_text() == "Too many files: at most 1 at a time"
    assert len(requests) == 2

    # preBatch may cancel a batch before anything is sent.
    page.evaluate("widget.destroy(); makeUpload({cloudName: 'demo', uploadPreset: 'shop_strict', refuseBatches: true}); widget.open()")
    page.set_input_files(".cldw-file-input", str(small))
    page.wait_for_function("window.__batches !== undefined")
    assert page.evaluate("window.__batches") == {"files": [{"name": "small.png", "type": "image/png", "size": small.stat().st_size}]}
    page.wait_for_timeout(300)
    assert len(requests) == 2


def test_cropping_sends_the_crop_coordinates(page, sdk, tmp_path, artifacts):
    """Signed, so edge's signature check proves the coordinates were in the request it received
    (Chromium does not show a multipart body holding a file to the test)."""
    wide = solid_png(tmp_path / "wide.png", 400, 200, (200, 120, 20))
    page.evaluate("makeUpload({cloudName: 'demo', apiKey: 'key', signed: true, multiple: false, cropping: true,"
                  " croppingAspectRatio: 1, croppingShowDimensions: true, showSkipCropButton: true})")
    page.click("#open")
    page.set_input_files(".cldw-file-input", str(wide))
    page.wait_for_selector(".cropper-crop-box")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "upload-crop.png"))
    assert page.locator("[data-action=skip]").is_visible()
    assert page.locator(".cldw-dims").inner_text() == "200 × 200"
    assert serious_axe_violations(page) == []
    page.click("[data-action=crop]")
    page.wait_for_function("window.__events.some(e => e.event === 'queues-end')", timeout=30_000)
    assert page.evaluate("window.__errors") == []
    signed = page.evaluate("window.__signed")
    assert len(signed) == 1 and signed[0]["custom_coordinates"] == "100,0,200,200" and signed[0]["source"] == "uw"
    assert "success" in event_names(page)


def test_product_gallery_by_tag_zoom_and_keyboard(page, sdk, artifacts):
    for name, rgb in (("1-red", (220, 30, 30)), ("2-green", (30, 180, 60)), ("3-blue", (30, 60, 220))):
        data = (pyvips.Image.black(600, 450, bands=3) + list(rgb)).cast("uchar").pngsave_buffer()
        cloudinary.uploader.upload(data, public_id=f"shoes/{name}", tags=["shoes"])
    status, _, body = fetch(f"{sdk.base}/demo/image/list/shoes.json")
    assert status == 200
    order = [r["public_id"] for r in json.loads(body)["resources"]]
    assert sorted(order) == ["shoes/1-red", "shoes/2-green", "shoes/3-blue"]

    assert page.evaluate("makeGallery({cloudName: 'demo', container: '#gallery', mediaAssets: [{tag: 'shoes'}],"
                         " aspectRatio: '4:3', carouselLocation: 'bottom', zoomProps: {level: 2}})") is True
    page.wait_for_function("document.querySelector('.cldg-image').complete && document.querySelector('.cldg-image').naturalWidth > 0")
    page.screenshot(path=str(artifacts / "gallery.png"))
    src = page.get_attribute(".cldg-image", "src")
    assert re.fullmatch(rf"{sdk.base}/demo/image/upload/ar_4:3,c_fill,g_auto,w_500/f_auto,q_auto/v\d+/{order[0]}", src), src
    assert page.locator(".cldg-thumb").count() == 3
    thumb_src = page.get_attribute(".cldg-thumb >> nth=1 >> img", "src")
    assert "f_auto,q_auto" in thumb_src and page.get_attribute(".cldg-thumb >> nth=1 >> img", "loading") == "lazy"
    status, headers, image = fetch(src, {"Accept": "image/webp,*/*"})
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert (pyvips.Image.new_from_buffer(image, "").width, pyvips.Image.new_from_buffer(image, "").height) == (500, 375)

    page.focus(".cldg-viewer")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute(".cldg-thumb >> nth=1", "aria-current") == "true"
    assert page.get_attribute(".cldg-image", "src").endswith(order[1])
    page.keyboard.press("End")
    assert page.get_attribute(".cldg-image", "src").endswith(order[2])
    page.keyboard.press("ArrowRight")  # wraps around
    assert page.get_attribute(".cldg-image", "src").endswith(order[0])
    assert serious_axe_violations(page) == []

    page.keyboard.press("Enter")  # zoom
    page.wait_for_selector(".pswp--open .pswp__img")
    page.wait_for_function("document.querySelector('.pswp__img').naturalWidth > 0")
    zoom_src = page.get_attribute(".pswp__img", "src")
    assert "c_limit,h_960,w_960" in zoom_src and zoom_src.endswith(order[0])
    before = page.evaluate("gallery._pswp.currSlide.currZoomLevel")
    page.click(".pswp__button--zoom")
    page.wait_for_timeout(500)
    assert page.evaluate("gallery._pswp.currSlide.currZoomLevel") > before
    page.screenshot(path=str(artifacts / "gallery-zoom.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector(".pswp", state="detached")
    assert [e["event"] for e in page.evaluate("window.__gallery")] == [
        "render", "mediaChanged", "mediaChanged", "mediaChanged", "zoomIn", "zoomOut"]

    page.evaluate("gallery.update({carouselLocation: 'left', mediaAssets: ['shoes/2-green']})")
    page.wait_for_function("document.querySelectorAll('.cldg-thumb').length === 0 && document.querySelector('.cldg-image').src.endsWith('shoes/2-green')")
    page.evaluate("gallery.destroy()")
    assert page.locator(".cldg").count() == 0


def test_inline_container_instance_methods_and_abort(page, sdk, tmp_path, artifacts):
    cloudinary.api.create_upload_preset(name="shop_inline", unsigned=True)
    picture = solid_png(tmp_path / "held.png", 100, 100, (5, 5, 5))
    page.evaluate("document.body.appendChild(Object.assign(document.createElement('div'), {id: 'here'}))")
    page.evaluate("makeUpload({cloudName: 'demo', uploadPreset: 'shop_inline', inlineContainer: '#here', sources: ['local'],"
                  " styles: {palette: {action: '#00543C'}}, text: {en: {local: {browse: 'Choose pictures'}}},"
                  " showAdvancedOptions: true})")
    page.evaluate("widget.open()")
    page.fill(".cldw-advanced input >> nth=0", "held/one")
    page.fill(".cldw-advanced input >> nth=1", "x, y")
    page.keyboard.press("Tab")
    events = page.evaluate("window.__events")
    assert next(e["info"] for e in events if e["event"] == "publicid")["publicId"] == "held/one"
    assert next(e["info"] for e in events if e["event"] == "tags") == {"tags": ["x", "y"]}
    assert page.locator("#here .cldw-dialog[role=region]").count() == 1 and page.locator(".cldw-overlay").count() == 0
    assert page.locator("#here label.cldw-button").inner_text() == "Choose pictures"
    assert page.locator(".cldw-tabs").is_hidden()  # one source: no tabs
    page.evaluate("widget.hide(); widget.show(); widget.minimize()")
    assert page.evaluate("widget.isMinimized()") is True
    assert [e["info"] for e in page.evaluate("window.__events") if e["event"] == "display-changed"] == [
        "shown", "hidden", "shown", "minimized"]
    page.evaluate("widget.open()")

    held = []
    page.route("**/v1_1/demo/image/upload", lambda route: held.append(route))  # the upload never answers
    page.set_input_files(".cldw-file-input", str(picture))
    page.wait_for_selector("[data-action=abort]")
    page.screenshot(path=str(artifacts / "upload-inline.png"))
    page.click("[data-action=abort]")
    page.wait_for_function("window.__events.some(e => e.event === 'queues-end')")
    abort = page.evaluate("window.__events.find(e => e.event === 'abort').info")
    assert abort["all"] is True and len(abort["ids"]) == 1
    assert page.get_attribute(".cldw-item", "data-status") == "aborted"
    assert page.evaluate("window.__errors") == []
    page.unroute("**/v1_1/demo/image/upload")
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 (the browser already cancelled it)
            pass

    page.evaluate("widget.destroy()")
    assert page.evaluate("widget.isDestroyed()") is True and page.locator("#here .cldw-dialog").count() == 0
