"""Video through the whole app: upload (also chunked), delivery as the SDK spells it, ranges,
thumbnails; results checked by decoding them."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import cloudinary.utils
import pytest
import pyvips

from edge.services.purge import cloud_key, surrogate_key
from tests.helpers.api import SECRET, signed
from tests.video import media
from tests.video.media import upload

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"


def url(public_id: str, **options) -> str:
    built = cloudinary.utils.cloudinary_url(public_id, resource_type="video", cloud_name="demo", api_secret=SECRET,
                                            secure=False, cname="edge.test", **options)[0]
    return built.split("edge.test", 1)[1]


async def fetch(client, path: str, tmp_path: Path, name: str, **headers) -> tuple[aiohttp.ClientResponse, Path]:
    response = await client.get(path, headers=headers)
    assert response.status == 200, response.headers.get("X-Cld-Error")
    target = tmp_path / name
    target.write_bytes(await response.read())
    return response, target


async def test_upload_response_has_the_video_fields(client, bars_mp4: Path) -> None:
    body = await upload(client, bars_mp4, public_id="clips/bars")
    assert body["resource_type"] == "video" and body["format"] == "mp4" and body["type"] == "upload"
    assert (body["width"], body["height"]) == (320, 240)
    assert body["duration"] == pytest.approx(2.0, abs=0.05) and body["frame_rate"] == 25.0
    assert body["nb_frames"] == 50 and body["rotation"] == 0 and body["is_audio"] is False
    assert body["bit_rate"] > 0 and body["bytes"] == bars_mp4.stat().st_size
    assert body["video"]["codec"] == "h264" and body["video"]["pix_format"] == "yuv420p" and body["video"]["dar"] == "4:3"
    assert body["audio"] == {**body["audio"], "codec": "aac", "frequency": 48000, "channels": 1}
    assert body["url"].endswith(url("clips/bars", version=body["version"], format="mp4"))


async def test_deliver_transcode_range_and_etag(client, bars_mp4: Path, tmp_path: Path) -> None:
    body = await upload(client, bars_mp4, public_id="bars")
    path = url("bars", version=body["version"], width=160, crop="scale", start_offset=1, format="webm")
    response, target = await fetch(client, path, tmp_path, "out.webm")
    assert response.headers["Content-Type"] == "video/webm" and response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Cache"] == "transcode" and response.headers["Cache-Control"].endswith("immutable")
    assert response.headers["Surrogate-Key"].split() == [surrogate_key("demo", "video", "upload", "bars"), cloud_key("demo")]
    info = media.decode_info(target)
    assert (info["video_codec"], info["audio_codec"], info["width"], info["height"]) == ("vp9", "opus", 160, 120)
    assert info["frames"] == pytest.approx(25, abs=1)
    whole = target.read_bytes()
    again = await client.get(path)
    assert again.headers["X-Cache"] == "disk" and await again.read() == whole
    etag = again.headers["ETag"]
    part = await client.get(path, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    tail = await client.get(path, headers={"Range": "bytes=-10"})
    assert tail.status == 206 and await tail.read() == whole[-10:]
    assert (await client.get(path, headers={"Range": f"bytes={len(whole)}-"})).status == 416
    assert (await client.get(path, headers={"Range": "bytes=0-9", "If-Range": '"other"'})).status == 200
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304
    head = await client.head(path)
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(whole) and await head.read() == b""
    metrics = await (await client.get("/metrics")).text()
    # The probe at upload, the probe that measures the span (once per original), one transcode.
    assert 'edge_transcodes_total{result="ok"} 3.0' in metrics
    assert (await client.get(url("bars", version=body["version"], width=80, format="mp4"))).status == 200
    metrics = await (await client.get("/metrics")).text()
    assert 'edge_transcodes_total{result="ok"} 4.0' in metrics  # the original is not probed again
    assert "edge_transcode_queue_depth 0.0" in metrics and "edge_transcode_frames_total 75.0" in metrics  # 25 + 50


async def test_original_and_format_auto(client, bars_mp4: Path, tmp_path: Path) -> None:
    await upload(client, bars_mp4, public_id="auto")
    response = await client.get(url("auto", format="mp4"))
    assert response.headers["X-Cache"] == "original" and await response.read() == bars_mp4.read_bytes()
    _, chrome = await fetch(client, url("auto", fetch_format="auto", width=160), tmp_path, "chrome", **{"User-Agent": CHROME})
    response, safari = await fetch(client, url("auto", fetch_format="auto", width=160), tmp_path, "safari", **{"User-Agent": SAFARI})
    assert response.headers["Vary"] == "User-Agent" and response.headers["Content-Type"] == "video/mp4"
    assert media.decode_info(chrome)["video_codec"] == "vp9" and media.decode_info(safari)["video_codec"] == "h264"


async def test_thumbnail_and_animation(client, bars_mp4: Path) -> None:
    await upload(client, bars_mp4, public_id="thumbs")
    response = await client.get(url("thumbs", start_offset=1, width=100, height=100, crop="fill", format="jpg"))
    assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
    image = pyvips.Image.new_from_buffer(await response.read(), "")
    assert (image.width, image.height) == (100, 100)
    response = await client.get(url("thumbs", duration=1, width=160, format="gif"))
    assert response.status == 200 and response.headers["Content-Type"] == "image/gif"
    gif = pyvips.Image.new_from_buffer(await response.read(), "", n=-1)
    assert gif.get("n-pages") == 10 and gif.width == 160
    again = await client.get(url("thumbs", start_offset=1, width=100, height=100, crop="fill", format="jpg"))
    assert again.headers["X-Cache"] == "memory"


async def test_chunked_upload_large(client, bars_mp4: Path, tmp_path: Path) -> None:
    data = bars_mp4.read_bytes()
    size = 8000
    answer = None
    for start in range(0, len(data), size):
        chunk = data[start : start + size]
        form = aiohttp.FormData(signed({"public_id": "large"}))
        form.add_field("file", chunk, filename="bars.mp4")
        headers = {"X-Unique-Upload-Id": "video-test-1", "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"}
        response = await client.post("/v1_1/demo/video/upload", data=form, headers=headers)
        assert response.status == 200, response.headers.get("X-Cld-Error")
        answer = await response.json()
    assert answer["resource_type"] == "video" and answer["bytes"] == len(data) and answer["duration"] == pytest.approx(2.0, abs=0.05)
    _, target = await fetch(client, url("large", format="mp4", width=80), tmp_path, "large.mp4")
    assert media.decode_info(target)["width"] == 80


@pytest.mark.parametrize(("maker", "status"), [
    (lambda d: media.declared_ten_hours(d / "long.mkv"), 413),
    (lambda d: media.huge_header(d / "huge.mkv"), 413),
    (lambda d: d / "garbage.mp4", 400),  # as for images: "Invalid video file - ..."
], ids=["ten-hours", "16000x16000", "not-a-video"])
async def test_uploads_over_the_limits_are_refused(client, video_dir: Path, maker, status: int) -> None:
    (video_dir / "garbage.mp4").write_bytes(b"not a video at all" * 50)
    path = maker(video_dir)
    form = aiohttp.FormData(signed({"public_id": "refused"}))
    form.add_field("file", path.read_bytes(), filename=path.name)
    response = await client.post("/v1_1/demo/video/upload", data=form)
    assert response.status == status and response.headers["X-Cld-Error"]
    assert (await client.get(url("refused", format="mp4"))).status == 404


async def test_errors_are_4xx(client, bars_mp4: Path) -> None:
    await upload(client, bars_mp4, public_id="errs")
    assert (await client.get(url("missing", format="mp4"))).status == 404
    for bad in ("/demo/video/upload/so_5/v1/errs.mp4", "/demo/video/upload/e_sepia/v1/errs.mp4",
                "/demo/video/upload/vc_vp9/v1/errs.mov", "/demo/video/upload/sp_nope/v1/errs.m3u8",
                "/demo/video/upload/vc_vp9/v1/errs.ts", "/demo/video/upload/so_9/v1/errs.jpg"):
        response = await client.get(bad)
        assert response.status == 400 and response.headers["X-Cld-Error"], bad


async def test_destroy(client, bars_mp4: Path) -> None:
    await upload(client, bars_mp4, public_id="gone")
    response = await client.post("/v1_1/demo/video/destroy", data=signed({"public_id": "gone"}))
    assert (await response.json())["result"] == "ok"
    assert (await client.get(url("gone", format="mp4"))).status == 404


async def test_private_and_authenticated_videos(client, bars_mp4: Path) -> None:
    await upload(client, bars_mp4, public_id="hidden", type="private")
    assert (await client.get(url("hidden", type="private", format="mp4"))).status == 401  # the original needs a signature
    assert (await client.get(url("hidden", type="private", sign_url=True, format="mp4"))).status == 200
    assert (await client.get(url("hidden", type="private", width=80, format="mp4"))).status == 200  # derivatives are public
    assert (await client.get(url("hidden", format="mp4"))).status == 404  # not an upload-type video
    await upload(client, bars_mp4, public_id="locked", type="authenticated")
    response = await client.get(url("locked", type="authenticated", width=80, format="mp4"))
    assert response.status == 401
    response = await client.get(url("locked", type="authenticated", sign_url=True, width=80, format="mp4"))
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-cache"


async def test_image_overlay_on_video_and_thumbnail(client, bars_mp4: Path, tmp_path: Path) -> None:
    logo = pyvips.Image.black(40, 20).new_from_image([255, 0, 0]).copy(interpretation="srgb").pngsave_buffer()
    form = aiohttp.FormData(signed({"public_id": "brand/logo"}))
    form.add_field("file", logo, filename="logo.png")
    assert (await client.post("/v1_1/demo/image/upload", data=form)).status == 200
    await upload(client, bars_mp4, public_id="branded")
    path = url("branded", overlay="brand:logo", gravity="north_east", x=10, y=10, format="mp4")
    response, target = await fetch(client, path, tmp_path, "branded.mp4")
    import av

    with av.open(str(target)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert frame[20, 290][0] > 200 and frame[20, 290][1] < 60
    thumbnail = await client.get(url("branded", overlay="brand:logo", gravity="north_east", x=10, y=10, format="png"))
    assert thumbnail.status == 200, thumbnail.headers.get("X-Cld-Error")
    image = pyvips.Image.new_from_buffer(await thumbnail.read(), "")
    assert image.getpoint(290, 20)[:3] == [255, 0, 0]
    missing = await client.get(url("branded", overlay="nothing", format="mp4"))
    assert missing.status == 404


async def test_text_overlay_on_video(client, bars_mp4: Path, tmp_path: Path) -> None:
    await upload(client, bars_mp4, public_id="captioned")
    plain_path = url("captioned", audio_codec="none", format="mp4")
    path = url("captioned", transformation=[{"audio_codec": "none"}, {"overlay": {"font_family": "DejaVu Sans", "font_size": 40,
                                                                                    "text": "EDGE"},
                                                                       "color": "black", "background": "white",
                                                                       "gravity": "north", "y": 10}], format="mp4")
    _, plain = await fetch(client, plain_path, tmp_path, "plain.mp4")
    response, target = await fetch(client, path, tmp_path, "captioned.mp4")
    first, untouched = media.decode_info(target)["first_frame"], media.decode_info(plain)["first_frame"]
    band = first[10:50, 100:220].astype(int)
    assert (band.min(axis=2) > 200).mean() > 0.3 and (band.max(axis=2) < 60).mean() > 0.05  # white box, black text
    assert abs(first[200].astype(int) - untouched[200].astype(int)).max() < 40  # the rest is the video


async def test_eager_transformations(client, bars_mp4: Path) -> None:
    from edge.http.video import VIDEO_UPLOADS

    body = await upload(client, bars_mp4, public_id="eager", eager="c_scale,w_160/webm|so_0,du_1/jpg")
    [video, thumbnail] = body["eager"]
    assert video["transformation"] == "c_scale,w_160" and video["format"] == "webm" and video["bytes"] > 0
    assert thumbnail["format"] == "jpg" and thumbnail["url"].endswith(f"/demo/video/upload/du_1,so_0/v{body['version']}/eager.jpg")
    made = await client.get(video["url"].split(str(client.server.port), 1)[1])
    assert made.status == 200 and made.headers["X-Cache"] == "disk" and made.headers["Content-Type"] == "video/webm"
    later = await upload(client, bars_mp4, public_id="eager-later", eager="w_80/mp4", eager_async="true")
    assert later["eager"] == []
    await client.server.app[VIDEO_UPLOADS].drain()
    response = await client.get(url("eager-later", version=later["version"], width=80, format="mp4"))
    assert response.status == 200 and response.headers["X-Cache"] == "disk"
    form = aiohttp.FormData(signed({"public_id": "eager-bad", "eager": "so_abc/mp4"}))
    form.add_field("file", bars_mp4.read_bytes(), filename="bars.mp4")
    response = await client.post("/v1_1/demo/video/upload", data=form)
    assert response.status == 400 and (await client.get(url("eager-bad", format="mp4"))).status == 404


async def test_long_transcodes_answer_202_and_finish_in_the_background(client_for, make_settings, bars_mp4: Path) -> None:
    from edge.http.video import VIDEO

    client = await client_for(make_settings(EDGE_VIDEO_SYNC_MAX_SECONDS="1.5"))
    body = await upload(client, bars_mp4, public_id="long")
    path = url("long", version=body["version"], width=160, format="mp4")
    response = await client.get(path)
    assert response.status == 202 and response.headers["Retry-After"] == "5" and "processed" in response.headers["X-Cld-Error"]
    assert (await client.get(path)).status == 202  # the same background build, not a second one
    await client.server.app[VIDEO].drain()
    response = await client.get(path)
    assert response.status == 200 and response.headers["X-Cache"] == "disk"
    short = await client.get(url("long", version=body["version"], width=160, start_offset=0, duration=1, format="mp4"))
    assert short.status == 200 and short.headers["X-Cache"] == "transcode"  # 1 s of source: waited for
