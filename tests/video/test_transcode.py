"""Transcode on real (tiny) videos; results checked by decoding them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.errors import InvalidVideo, OutputTooLarge
from edge.grammar.video_params import parse_video_component
from edge.video.limits import VideoLimits
from edge.video.plan import make_plan
from edge.video.probe import probe
from edge.video.transcode import transcode
from tests.video import media

FRAME = 1 / 25


def run(source: Path, text: str, container: str, out: Path, limits: VideoLimits = VideoLimits()) -> dict:
    plan = make_plan([parse_video_component(s) for s in text.split("/")] if text else [], probe(source), container, limits)
    destination = out / f"result.{container}"
    result = transcode(source, plan, destination, limits)
    assert result.bytes == destination.stat().st_size
    return media.decode_info(destination)


@pytest.mark.parametrize(("text", "container", "expected"), [
    ("", "mp4", ("h264", "aac", 320, 240)),
    ("w_160", "webm", ("vp9", "opus", 160, 120)),
    ("c_fill,w_100,h_100", "mov", ("h264", "aac", 100, 100)),
    ("c_pad,w_200,h_100,ac_none", "mp4", ("h264", None, 200, 100)),
    ("vc_h265,w_160", "mp4", ("hevc", "aac", 160, 120)),
    ("vc_av1,w_160,ac_none", "webm", (("av1", "libdav1d"), None, 160, 120)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_codecs_and_sizes(bars_mp4: Path, tmp_path: Path, text: str, container: str, expected: tuple) -> None:
    info = run(bars_mp4, text, container, tmp_path)
    video, audio, width, height = expected
    assert info["video_codec"] in (video if isinstance(video, tuple) else (video,))
    assert (info["audio_codec"], info["width"], info["height"]) == (audio, width, height)
    assert info["frames"] == pytest.approx(50, abs=1)


@pytest.mark.parametrize(("text", "seconds"), [("so_0.5,du_1", 1.0), ("so_1", 1.0), ("eo_50p", 1.0), ("so_0.4,eo_1.2", 0.8)])
def test_trimming_within_a_frame(bars_mp4: Path, tmp_path: Path, text: str, seconds: float) -> None:
    info = run(bars_mp4, text, "mp4", tmp_path)
    assert info["frames"] * FRAME == pytest.approx(seconds, abs=FRAME + 1e-9)
    assert info["duration"] == pytest.approx(seconds, abs=0.05)  # the sound is trimmed too


def test_trim_starts_at_the_right_frame(bars_mp4: Path, tmp_path: Path) -> None:
    info = run(bars_mp4, "so_1,ac_none", "mp4", tmp_path)
    # The white square is at x = 4 * frame index: frame 25 at 1 s puts it at x = 100.
    row = info["first_frame"][120]
    white = np.flatnonzero(row.min(axis=1) > 220)
    assert abs(white[0] - media.square_x(25, 320)) <= 4


def test_frame_rate_and_speed(bars_mp4: Path, tmp_path: Path) -> None:
    info = run(bars_mp4, "fps_10", "mp4", tmp_path)
    assert info["rate"] == 10 and info["frames"] == pytest.approx(20, abs=1)
    info = run(bars_mp4, "e_accelerate", "mp4", tmp_path)  # twice as fast: half the length
    assert info["frames"] * FRAME == pytest.approx(1.0, abs=FRAME)
    assert info["duration"] == pytest.approx(1.0, abs=0.06)


def test_reverse_plays_backwards(bars_mp4: Path, tmp_path: Path) -> None:
    forwards = run(bars_mp4, "ac_none", "mp4", tmp_path)
    backwards = run(bars_mp4, "e_reverse,ac_none", "mp4", tmp_path)
    assert backwards["frames"] == pytest.approx(forwards["frames"], abs=1)
    row = backwards["first_frame"][120]
    assert np.flatnonzero(row.min(axis=1) > 220)[0] == pytest.approx(media.square_x(49, 320), abs=4)


def test_boomerang_and_loop(bars_mp4: Path, tmp_path: Path) -> None:
    info = run(bars_mp4, "e_boomerang", "mp4", tmp_path)
    assert info["frames"] == pytest.approx(100, abs=2) and info["audio_codec"] is None
    info = run(bars_mp4, "so_0,du_1/e_loop:2", "mp4", tmp_path)
    assert info["frames"] == pytest.approx(75, abs=2)
    assert info["duration"] == pytest.approx(3.0, abs=0.1)


def test_fade_in_starts_black(bars_mp4: Path, tmp_path: Path) -> None:
    info = run(bars_mp4, "e_fade:1000,ac_none", "mp4", tmp_path)
    assert info["first_frame"].mean() < 20
    plain = run(bars_mp4, "ac_none", "mp4", tmp_path)
    assert plain["first_frame"].mean() > 80


def test_volume_mute_and_audio_only(bars_mp4: Path, tmp_path: Path) -> None:
    import av

    run(bars_mp4, "e_volume:mute,vc_none", "mp4", tmp_path)
    with av.open(str(tmp_path / "result.mp4")) as container:
        assert not container.streams.video
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert np.abs(samples).max() < 1e-3


def test_output_size_limit(bars_mp4: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputTooLarge):
        run(bars_mp4, "", "mp4", tmp_path, VideoLimits(max_output_bytes=5000))


def test_unreadable_source_is_422(bars_mp4: Path, tmp_path: Path) -> None:
    plan = make_plan([], probe(bars_mp4), "mp4", VideoLimits())
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"nope" * 100)
    with pytest.raises(InvalidVideo):
        transcode(garbage, plan, tmp_path / "out.mp4")


def test_rotated_source_comes_out_upright(video_dir: Path, tmp_path: Path) -> None:
    source = media.make_video(video_dir / "turned.mp4", audio=False, seconds=0.4, rotation=90)
    info = run(source, "", "mp4", tmp_path)
    assert (info["width"], info["height"]) == (240, 320)
    import av

    with av.open(str(tmp_path / "result.mp4")) as container:
        assert next(container.decode(video=0)).rotation == 0  # turned in the pixels, no display matrix left


def test_image_overlay_is_drawn_on_every_frame(bars_mp4: Path, tmp_path: Path) -> None:
    import pyvips

    logo = pyvips.Image.black(40, 20).new_from_image([255, 0, 0]).copy(interpretation="srgb").pngsave_buffer()
    components = [parse_video_component("l_logo,g_north_east,x_10,y_10,ac_none")]
    plan = make_plan(components, probe(bars_mp4), "mp4", VideoLimits(), [(40, 20)])
    transcode(bars_mp4, plan, tmp_path / "logo.mp4", overlays=(logo,))
    import av

    with av.open(str(tmp_path / "logo.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == pytest.approx(50, abs=1)
    for frame in (frames[0], frames[-1]):
        red, green, blue = (int(v) for v in frame[20, 320 - 10 - 20])  # the logo's middle
        assert red > 200 and green < 60 and blue < 60
        assert frame[120, 0].min() > 100  # elsewhere the bars are untouched
