"""The official SDK against a live server: video upload (plain and upload_large), delivery URLs
from cloudinary_url(resource_type="video"), on the folder store and on S3 (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cloudinary
import cloudinary.uploader
import cloudinary.utils
import pytest
import pyvips

from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode, Originals, fetch
from tests.video import media

CLOUD, KEY, SECRET = "demo", "videokey", "video-secret"


@pytest.fixture(scope="module", params=["folder", "s3"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeNode]:
    root = tmp_path_factory.mktemp(f"video-{request.param}")
    originals = Originals(root, request.getfixturevalue("moto_url") if request.param == "s3" else None)
    node = EdgeNode(root, {
        **originals.environ(),
        "EDGE_DATABASE_URL": f"sqlite:///{root}/edge.db",
        "EDGE_STORAGE_REVALIDATE_SECONDS": "0",
        "CLOUDINARY_URL": f"cloudinary://{KEY}:{SECRET}@{CLOUD}",
    })
    try:
        yield node.wait_ready()
    finally:
        node.stop(timeout=15)


@pytest.fixture
def sdk(server: EdgeNode) -> Iterator[EdgeNode]:
    with sdk_configured(server, CLOUD, KEY, SECRET):
        yield server


def test_sdk_upload_and_delivery(sdk: EdgeNode, bars_mp4: Path, tmp_path: Path) -> None:
    result = cloudinary.uploader.upload(str(bars_mp4), resource_type="video", public_id="sdk/bars")
    assert result["resource_type"] == "video" and result["duration"] == pytest.approx(2.0, abs=0.05)
    assert result["video"]["codec"] == "h264" and result["audio"]["codec"] == "aac" and result["nb_frames"] == 50
    status, headers, body = fetch(result["secure_url"])
    assert status == 200 and body == bars_mp4.read_bytes() and headers["Content-Type"] == "video/mp4"

    url = cloudinary.utils.cloudinary_url("sdk/bars", resource_type="video", version=result["version"], width=160,
                                          crop="scale", start_offset="0.5", duration="1", audio_codec="none", format="mp4")[0]
    status, headers, body = fetch(url)
    assert status == 200, headers.get("X-Cld-Error")
    (tmp_path / "out.mp4").write_bytes(body)
    info = media.decode_info(tmp_path / "out.mp4")
    assert (info["width"], info["height"], info["audio_codec"]) == (160, 120, None)
    assert info["frames"] == pytest.approx(25, abs=1)
    status, headers, part = fetch(url, {"Range": "bytes=0-99"})
    assert status == 206 and part == body[:100] and headers["Content-Range"] == f"bytes 0-99/{len(body)}"

    thumbnail = cloudinary.utils.cloudinary_url("sdk/bars", resource_type="video", start_offset="auto", width=80, format="png")[0]
    status, headers, body = fetch(thumbnail)
    assert status == 200 and pyvips.Image.new_from_buffer(body, "").width == 80


def test_sdk_upload_large(sdk: EdgeNode, video_dir: Path) -> None:
    source = media.make_video(video_dir / "large.webm", seconds=1.0, video_codec="libvpx-vp9", audio_codec="libopus")
    result = cloudinary.uploader.upload_large(str(source), resource_type="video", chunk_size=6000, public_id="sdk/large")
    assert result["bytes"] == source.stat().st_size and result["format"] == "webm"
    assert result["video"]["codec"] == "vp9" and result["audio"]["codec"] == "opus"
    status, _, body = fetch(result["secure_url"])
    assert status == 200 and body == source.read_bytes()
    signed = cloudinary.utils.cloudinary_url("sdk/large", resource_type="video", sign_url=True, width=64, format="mp4")[0]
    assert fetch(signed)[0] == 200
    destroyed = cloudinary.uploader.destroy("sdk/large", resource_type="video")
    assert destroyed["result"] == "ok" and fetch(result["secure_url"])[0] == 404
