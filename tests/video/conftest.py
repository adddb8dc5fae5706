from __future__ import annotations

from pathlib import Path

import pytest

from tests.video import media


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def bars_mp4(video_dir: Path) -> Path:
    """320x240, 2 s at 25 fps, H.264 + AAC tone."""
    return media.make_video(video_dir / "bars.mp4")


@pytest.fixture(scope="session")
def bars_webm(video_dir: Path) -> Path:
    return media.make_video(video_dir / "bars.webm", video_codec="libvpx-vp9", audio_codec="libopus")


@pytest.fixture(scope="session")
def silent_mp4(video_dir: Path) -> Path:
    return media.make_video(video_dir / "silent.mp4", audio=False)
