"""HLS: profiles and playlists (pure), then master -> media playlist -> segments through the app,
the segments decoded: H.264 + AAC, timestamps continuing, frames adding up to the duration."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from edge.errors import InvalidTransformation
from edge.video import hls
from edge.video.plan import TS_START
from tests.video import media
from tests.video.media import upload


def test_renditions_never_upscale() -> None:
    assert [r.height for r in hls.renditions("auto", 1080)] == [1080, 720, 540, 360, 270]
    assert [r.height for r in hls.renditions("auto", 240)] == [180]
    assert [r.height for r in hls.renditions("hd", 2160)] == [720, 540, 360, 270, 180]
    assert [r.height for r in hls.renditions("sd", 1080)] == [360, 270, 180]
    assert [r.height for r in hls.renditions("full_hd", 720)] == [720, 540, 360, 270, 180]
    with pytest.raises(InvalidTransformation):
        hls.renditions("mystery", 720)


def test_segments_cover_the_span() -> None:
    assert hls.segments(0, 10) == [(0, 4), (4, 8), (8, 10)]
    assert hls.segments(1.5, 5.5) == [(1.5, 5.5)]
    assert hls.segments(0, 2) == [(0, 2)]


def test_playlists_text() -> None:
    rung = hls.LADDER[-1]
    master = hls.master_playlist([(rung, 240, 180, "/a.m3u8")], has_audio=True)
    assert master.startswith("#EXTM3U\n") and "BANDWIDTH=378000,RESOLUTION=240x180" in master and master.endswith("/a.m3u8\n")
    playlist = hls.media_playlist([(0, 4, "/s0.ts"), (4, 5.5, "/s1.ts")])
    assert "#EXT-X-TARGETDURATION:4" in playlist and "#EXTINF:1.500,\n/s1.ts" in playlist and playlist.endswith("#EXT-X-ENDLIST\n")


@pytest.fixture(scope="module")
def five_seconds(video_dir: Path) -> Path:
    return media.make_video(video_dir / "five.mp4", seconds=5.0)


def uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


async def test_master_media_playlist_and_segments(client, five_seconds: Path, tmp_path: Path) -> None:
    body = await upload(client, five_seconds, public_id="streams/five")
    master = await client.get(f"/demo/video/upload/sp_auto/v{body['version']}/streams/five.m3u8")
    assert master.status == 200, master.headers.get("X-Cld-Error")
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    text = await master.text()
    assert "RESOLUTION=240x180" in text  # 320x240 into the 320x180 rung: c_limit keeps 4:3
    [rendition] = uris(text)
    assert rendition == f"/demo/video/upload/br_250k,c_limit,h_180,vc_h264,w_320/v{body['version']}/streams/five.m3u8"
    playlist = await client.get(rendition)
    assert playlist.status == 200, playlist.headers.get("X-Cld-Error")
    segments = uris(await playlist.text())
    assert len(segments) == 2 and segments[0].endswith("/eo_4,so_0/v%d/streams/five.ts" % body["version"])
    frames, joined = 0, b""
    for index, segment in enumerate(segments):
        response = await client.get(segment)
        assert response.status == 200 and response.headers["Content-Type"] == "video/mp2t"
        data = await response.read()
        joined += data
        (tmp_path / f"{index}.ts").write_bytes(data)
        with av.open(str(tmp_path / f"{index}.ts")) as container:
            assert container.streams.video[0].codec_context.name == "h264"
            assert container.streams.audio[0].codec_context.name == "aac"
            decoded = list(container.decode(video=0))
        start = 4.0 * index
        # Timestamps continue from the segment before (all of them start at TS_START).
        assert decoded[0].time - TS_START == pytest.approx(start, abs=0.05)
        assert (decoded[0].width, decoded[0].height) == (240, 180)
        frames += len(decoded)
    assert frames == pytest.approx(125, abs=2)  # 5 s at 25 fps, within a frame per segment
    (tmp_path / "all.ts").write_bytes(joined)
    info = media.decode_info(tmp_path / "all.ts")
    assert info["frames"] == pytest.approx(125, abs=2)
    # A segment is a derivative: the second request is a disk hit.
    assert (await client.get(segments[0])).headers["X-Cache"] == "disk"


async def test_streaming_errors(client, five_seconds: Path) -> None:
    body = await upload(client, five_seconds, public_id="streams/bad")
    response = await client.get(f"/demo/video/upload/sp_mystery/v{body['version']}/streams/bad.m3u8")
    assert response.status == 400 and "streaming profile" in response.headers["X-Cld-Error"]
    response = await client.get(f"/demo/video/upload/sp_auto/v{body['version']}/streams/bad.mp4")
    assert response.status == 400 and "m3u8" in response.headers["X-Cld-Error"]
