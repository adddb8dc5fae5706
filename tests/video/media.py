"""Small test videos made with PyAV: colour bars with a moving white square, and a 440 Hz tone.

Tiny on purpose (CPU is shared): 320x240, 2-3 s, libx264 ultrafast / libvpx realtime.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import aiohttp
import av
import numpy as np

from tests.helpers.api import signed

BARS = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
SQUARE = 40


def bars_frame(width: int, height: int, index: int, fps: int) -> np.ndarray:
    """Seven vertical bars; a white square moving left to right, one step per frame."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    for i, colour in enumerate(BARS):
        image[:, i * width // len(BARS) : (i + 1) * width // len(BARS)] = colour
    x = (index * 4) % max(1, width - SQUARE)
    y = height // 2 - SQUARE // 2
    image[y : y + SQUARE, x : x + SQUARE] = 255
    return image


def square_x(index: int, width: int) -> int:
    return (index * 4) % max(1, width - SQUARE)


def make_video(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    seconds: float = 2.0,
    fps: int = 25,
    audio: bool = True,
    container: str | None = None,
    video_codec: str = "libx264",
    audio_codec: str = "aac",
    rotation: int = 0,
) -> Path:
    """Write a test video; the format follows the extension (mp4, webm, mov, mkv)."""
    frames = round(seconds * fps)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(video_codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if video_codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        elif video_codec == "libvpx-vp9":
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        if rotation:
            stream.set_display_rotation(rotation)
        sound = None
        if audio:
            rate = 48000
            sound = out.add_stream(audio_codec, rate=rate)
            sound.layout = "mono"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(bars_frame(width, height, index, fps), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if sound is not None:
            rate = 48000
            samples = np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate).astype(np.float32) * 0.5
            chunk = 1024
            for start in range(0, len(samples), chunk):
                piece = samples[start : start + chunk]
                frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
                frame.sample_rate = rate
                frame.pts = start
                frame.time_base = Fraction(1, rate)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


def declared_ten_hours(path: Path) -> Path:
    """Two frames, the second at 10 hours: the header declares a 10-hour video."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        for index, pts in enumerate((0, 36_000 * 25)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 80 * index, dtype=np.uint8), format="rgb24")
            frame.pts = pts
            frame.time_base = Fraction(1, 25)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def huge_header(path: Path, side: int = 16000) -> Path:
    """A Matroska header declaring side x side pixels over one tiny raw frame.

    FFmpeg itself refuses sizes past (w+128)*(h+128) >= INT_MAX/8 (16384 squared), so the
    header is patched to 16000x16000: the largest square FFmpeg still reports."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("rawvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 272, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        frame = av.VideoFrame.from_ndarray(np.zeros((272, 320, 3), np.uint8), format="rgb24")
        frame.pts, frame.time_base = 0, Fraction(1, 25)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = path.read_bytes()
    # EBML PixelWidth (0xB0) and PixelHeight (0xBA), two-byte values 320 and 272.
    wide, tall = b"\xb0\x82\x01\x40", b"\xba\x82\x01\x10"
    assert data.count(wide) == 1 and data.count(tall) == 1
    patched = side.to_bytes(2, "big")
    path.write_bytes(data.replace(wide, b"\xb0\x82" + patched).replace(tall, b"\xba\x82" + patched))
    return path


def truncated(source: Path, path: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def decode_info(path: Path | str) -> dict:
    """What a player would see: sizes, codecs, duration by frames, audio presence."""
    with av.open(str(path)) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = list(container.decode(video=0)) if video is not None else []
        info = {
            "format": container.format.name,
            "video_codec": video.codec_context.name if video is not None else None,
            "audio_codec": audio.codec_context.name if audio is not None else None,
            "width": frames[0].width if frames else None,
            "height": frames[0].height if frames else None,
            "frames": len(frames),
            "rate": float(video.average_rate) if video is not None and video.average_rate else None,
            "duration": (float(container.duration) / av.time_base) if container.duration else None,
        }
        info["first_frame"] = frames[0].to_ndarray(format="rgb24") if frames else None
        info["frame_times"] = [f.time for f in frames]
    return info


async def upload(client, path: Path, **params) -> dict:
    form = aiohttp.FormData(signed(params))
    form.add_field("file", path.read_bytes(), filename=path.name)
    response = await client.post("/v1_1/demo/video/upload", data=form)
    assert response.status == 200, response.headers.get("X-Cld-Error")
    return await response.json()
