"""probe(): what a video is, from its header, with the limits checked before any decode.

The container header gives sizes, codecs, rates and the declared duration; only when they pass
the limits is one frame decoded, for the rotation (FFmpeg keeps the display matrix on frames).
PyAV's errors become InvalidVideo here and never cross this package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

import av

from edge.errors import InvalidVideo
from edge.video.limits import VideoLimits, check_bytes, check_header


@dataclass(frozen=True, slots=True)
class VideoInfo:
    duration: float  # seconds
    frame_rate: float  # 0.0 for audio-only files
    video_codec: str | None
    audio_codec: str | None
    width: int  # as stored; `display_width` applies the rotation
    height: int
    rotation: int  # degrees clockwise to display upright: 0, 90, 180, 270
    bit_rate: int
    has_audio: bool
    nb_frames: int
    format: str  # the container's short name: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", ...
    audio_frequency: int = 0
    audio_channels: int = 0
    pix_format: str | None = None
    video_bit_rate: int = 0
    audio_bit_rate: int = 0
    video_profile: str | None = None
    video_level: int | None = None
    channel_layout: str | None = None
    time_base: str | None = None  # the video stream's, as "1/12800"

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def display_width(self) -> int:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation in (90, 270) else self.height

    @property
    def codecs(self) -> tuple[str, ...]:
        return tuple(c for c in (self.video_codec, self.audio_codec) if c)


def probe(path: str | os.PathLike[str], limits: VideoLimits = VideoLimits()) -> VideoInfo:
    """Read the header of the file at `path`; raise VideoTooLarge (413) or InvalidVideo (422)."""
    check_bytes(os.path.getsize(path), limits)
    try:
        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            return _probe_open(container, limits)
    except av.FFmpegError as exc:
        raise InvalidVideo("Unreadable video", detail=str(exc)) from None
    except (UnicodeDecodeError, ValueError, IndexError) as exc:  # odd metadata, empty streams
        raise InvalidVideo("Unreadable video", detail=repr(exc)) from None


def _probe_open(container: av.container.InputContainer, limits: VideoLimits) -> VideoInfo:
    video = container.streams.video[0] if container.streams.video else None
    audio = container.streams.audio[0] if container.streams.audio else None
    if video is None and audio is None:
        raise InvalidVideo("Unreadable video - no video or audio stream")
    duration = _duration(container, video or audio)
    width = height = 0
    rate = 0.0
    if video is not None:
        width, height = video.codec_context.width, video.codec_context.height
        if width <= 0 or height <= 0:
            raise InvalidVideo("Unreadable video - no frame size in the header")
        guessed = video.average_rate or video.guessed_rate or video.base_rate
        rate = float(guessed) if guessed else 0.0
    check_header(width, height, duration, rate, limits)
    if duration <= 0:
        raise InvalidVideo("Unreadable video - no duration in the header")
    rotation = _rotation(container, video) if video is not None else 0
    nb_frames = video.frames if video is not None and video.frames else round(duration * rate)
    return VideoInfo(
        duration=duration,
        frame_rate=round(rate, 3),
        video_codec=video.codec_context.name if video is not None else None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        width=width,
        height=height,
        rotation=rotation,
        bit_rate=int(container.bit_rate or 0),
        has_audio=audio is not None,
        nb_frames=int(nb_frames),
        format=container.format.name,
        audio_frequency=audio.codec_context.sample_rate if audio is not None else 0,
        audio_channels=audio.codec_context.channels if audio is not None else 0,
        pix_format=video.codec_context.format.name if video is not None and video.codec_context.format else None,
        video_bit_rate=int(video.codec_context.bit_rate or 0) if video is not None else 0,
        audio_bit_rate=int(audio.codec_context.bit_rate or 0) if audio is not None else 0,
        video_profile=video.codec_context.profile if video is not None else None,
        video_level=_level(video) if video is not None else None,
        channel_layout=audio.codec_context.layout.name if audio is not None else None,
        time_base=str(video.time_base) if video is not None and video.time_base else None,
    )


def _level(video: av.video.stream.VideoStream) -> int | None:
    level = getattr(video.codec_context, "level", None)
    return int(level) if isinstance(level, int) and level > 0 else None


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    if container.duration:
        return float(Fraction(container.duration, av.time_base))
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def _rotation(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> int:
    """Degrees clockwise, from the first frame's display matrix (FFmpeg's is counter-clockwise)."""
    video.thread_count = 1
    try:
        for frame in container.decode(video.index):
            return round(-frame.rotation) % 360 // 90 * 90
    except av.FFmpegError as exc:
        raise InvalidVideo("Unreadable video - the first frame does not decode", detail=str(exc)) from None
    raise InvalidVideo("Unreadable video - no frame")
