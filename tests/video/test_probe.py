from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge.errors import InvalidVideo, VideoTooLarge
from edge.video.limits import VideoLimits
from edge.video.probe import probe
from tests.video import media


def test_probe_reads_the_header(bars_mp4: Path) -> None:
    info = probe(bars_mp4)
    assert (info.width, info.height) == (320, 240)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.frame_rate == 25.0
    assert info.codecs == ("h264", "aac")
    assert info.has_audio and info.audio_frequency == 48000 and info.audio_channels == 1
    assert info.nb_frames == 50
    assert info.rotation == 0
    assert info.bit_rate > 0


def test_probe_webm(bars_webm: Path) -> None:
    info = probe(bars_webm)
    assert info.codecs == ("vp9", "opus")
    assert info.format.startswith("matroska")


def test_probe_without_audio(silent_mp4: Path) -> None:
    info = probe(silent_mp4)
    assert not info.has_audio and info.audio_codec is None


def test_rotation_from_the_display_matrix(video_dir: Path) -> None:
    # PyAV's rotation is counter-clockwise; VideoInfo's is clockwise, as upload responses say it.
    info = probe(media.make_video(video_dir / "rotated.mp4", audio=False, seconds=0.4, rotation=90))
    assert info.rotation == 270
    assert (info.display_width, info.display_height) == (240, 320)


def _refused_quickly(path: Path, error: type[Exception], limits: VideoLimits = VideoLimits()) -> Exception:
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        probe(path, limits)
    assert time.perf_counter() - started < 0.5
    return caught.value


def test_ten_hour_declared_duration_is_refused_from_the_header(video_dir: Path) -> None:
    error = _refused_quickly(media.declared_ten_hours(video_dir / "long.mkv"), VideoTooLarge)
    assert error.status == 413 and "too long" in error.public_message


def test_huge_frame_header_is_refused_before_decoding(video_dir: Path) -> None:
    error = _refused_quickly(media.huge_header(video_dir / "huge.mkv"), VideoTooLarge)
    assert error.status == 413 and "16000x16000" in error.public_message


def test_truncated_file_is_refused(bars_mp4: Path, video_dir: Path) -> None:
    error = _refused_quickly(media.truncated(bars_mp4, video_dir / "truncated.mp4"), InvalidVideo)
    assert error.status == 422


def test_not_a_video(video_dir: Path) -> None:
    path = video_dir / "garbage.mp4"
    path.write_bytes(b"this is not a video" * 100)
    assert _refused_quickly(path, InvalidVideo).status == 422


def test_byte_limit(bars_mp4: Path) -> None:
    error = _refused_quickly(bars_mp4, VideoTooLarge, VideoLimits(max_source_bytes=1000))
    assert "bytes" in error.public_message
