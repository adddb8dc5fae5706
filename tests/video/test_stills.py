"""Thumbnails and animations from a video: a frame through the image pipeline (decoded pixels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvips

from edge.errors import InvalidTransformation
from edge.grammar.values import OutputFormat
from edge.grammar.video_params import parse_video_component
from edge.imaging.encode import OutputSpec
from edge.imaging.limits import Limits
from edge.metrics import Metrics
from edge.services.render_pool import RenderPool
from edge.services.transcode_pool import TranscodePool
from edge.services.video import VideoLimitsBundle, VideoWork
from edge.video.limits import VideoLimits
from tests.video import media


@pytest.fixture
def work() -> VideoWork:
    transcodes = TranscodePool(1, 4, cpu_seconds=30, max_file_bytes=50_000_000, timeout=30)
    renders = RenderPool(1, 4, Metrics())
    yield VideoWork(transcodes, renders, VideoLimitsBundle(VideoLimits(), Limits(max_frames=30), 10.0))
    renders.close()


def pixels(data: bytes, animated: bool = False) -> tuple[pyvips.Image, np.ndarray]:
    image = pyvips.Image.new_from_buffer(data, "", **({"n": -1} if animated else {}))
    array = np.ndarray(buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands))
    return image, array


def square_left(array: np.ndarray, row: int) -> int:
    return int(np.flatnonzero(array[row, :, :3].min(axis=1) > 220)[0])


async def still(work: VideoWork, source: Path, text: str, fmt: OutputFormat) -> bytes:
    components = [parse_video_component(s) for s in text.split("/")] if text else []
    return (await work.still(str(source), components, OutputSpec(fmt))).data


@pytest.mark.parametrize(("text", "index"), [("", 25), ("so_0", 0), ("so_1.2", 30), ("so_20p", 10)])
async def test_thumbnail_is_the_frame_at_the_time(work: VideoWork, bars_mp4: Path, text: str, index: int) -> None:
    data = await still(work, bars_mp4, text, OutputFormat.PNG)
    image, array = pixels(data)
    assert (image.width, image.height) == (320, 240)
    assert square_left(array, 120) == pytest.approx(media.square_x(index, 320), abs=4)


@pytest.mark.parametrize("fmt", [OutputFormat.JPEG, OutputFormat.WEBP, OutputFormat.AVIF, OutputFormat.PNG])
async def test_thumbnail_formats(work: VideoWork, bars_mp4: Path, fmt: OutputFormat) -> None:
    data = await still(work, bars_mp4, "w_160", fmt)
    image = pyvips.Image.new_from_buffer(data, "")
    assert image.get("vips-loader").startswith({"jpeg": "jpeg", "webp": "webp", "avif": "heif", "png": "png"}[fmt.value])
    assert (image.width, image.height) == (160, 120)


async def test_the_image_vocabulary_applies(work: VideoWork, bars_mp4: Path) -> None:
    data = await still(work, bars_mp4, "so_0,c_fill,w_100,h_100,g_west/e_grayscale", OutputFormat.PNG)
    image, array = pixels(data)
    assert (image.width, image.height) == (100, 100)
    # The left bar is light grey (192,192,192); every pixel is grey after e_grayscale.
    assert np.abs(array[..., 0].astype(int) - array[..., 2]).max() <= 2


async def test_rotated_video_thumbnail_is_upright(work: VideoWork, video_dir: Path) -> None:
    source = media.make_video(video_dir / "upright.mp4", audio=False, seconds=0.4, rotation=90)
    image, _ = pixels(await still(work, source, "", OutputFormat.PNG))
    assert (image.width, image.height) == (240, 320)


@pytest.mark.parametrize(("fmt", "text", "frames"), [
    (OutputFormat.GIF, "du_1", 10), (OutputFormat.WEBP, "so_0.5,du_1", 10), (OutputFormat.GIF, "so_1,eo_1.5,fps_20", 10),
    (OutputFormat.GIF, "du_2,fps_25", 30),  # 50 frames over the 30-frame limit: a lower rate, the span kept
])
async def test_animation_frame_count(work: VideoWork, bars_mp4: Path, fmt: OutputFormat, text: str, frames: int) -> None:
    data = await still(work, bars_mp4, f"{text}/w_160", fmt)
    image = pyvips.Image.new_from_buffer(data, "", n=-1)
    assert image.get("n-pages") == frames
    assert image.get("page-height") == 120 and image.width == 160


async def test_animation_moves(work: VideoWork, bars_mp4: Path) -> None:
    data = await still(work, bars_mp4, "du_1", OutputFormat.WEBP)
    image, array = pixels(data, animated=True)
    height = image.get("page-height")
    first, last = square_left(array, height // 2), square_left(array, 9 * height + height // 2)
    assert first == pytest.approx(0, abs=4) and last == pytest.approx(media.square_x(23, 320), abs=8)


async def test_audio_only_has_no_thumbnail(work: VideoWork, bars_mp4: Path, tmp_path: Path) -> None:
    import av

    audio = tmp_path / "tone.m4a"
    with av.open(str(bars_mp4)) as inp, av.open(str(audio), "w", format="mp4") as out:
        stream = out.add_stream_from_template(inp.streams.audio[0])
        for packet in inp.demux(inp.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with pytest.raises(InvalidTransformation):
        await still(work, audio, "", OutputFormat.JPEG)
