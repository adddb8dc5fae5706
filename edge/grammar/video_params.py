"""The video parameters: Cloudinary short codes -> full names, parsers and docs.

A separate, small table (the lead folds it into the parameter tables when merging). A video
URL component mixes image parameters (`w`, `h`, `c`, `g`, `ar`, `dpr`, `q`, `b`, `fl`) with
these; `parse_video_component` takes the video ones out and hands the rest to the image
parser, so each parameter is still parsed in one place.

    so_, eo_, du_   start offset, end offset, duration: seconds (`2.5`) or percent (`10p`, `10%`);
                    `so_auto` (thumbnails): the middle frame
    ki_             keyframe interval in seconds
    fps_            output frame rate: `25`, or a range `15-30` (`15-` at least, `-30` at most)
    vc_             video codec: h264, h265, vp9, av1, auto, none (`h264:baseline:3.1` keeps the codec)
    ac_             audio codec: none, aac, opus
    br_             bit rate: `800k`, `2m`, `1500000` (`:constant` accepted)
    sp_             streaming profile (HLS): auto or a profile name
    f_              mp4, webm, mov, m3u8 besides the image formats
    e_              volume, accelerate, reverse, boomerang, loop, fade (video effects)
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.chain import Transformation, looks_like_component, parse_component
from edge.grammar.params import ParamSpec

_NUMBER = re.compile(r"\d+(\.\d+)?|\.\d+")
_KEY_VALUE = re.compile(r"([a-z]{1,4})_(.+)", re.DOTALL)

VIDEO_FORMATS = ("mp4", "webm", "mov", "m3u8")
# What a video URL may end with: a video format, or an image one for a thumbnail or animation.
VIDEO_EXTENSIONS = frozenset({*VIDEO_FORMATS, "ts", "jpg", "jpeg", "jpe", "png", "webp", "avif", "gif"})
VIDEO_CODECS = ("h264", "h265", "vp9", "av1", "auto", "none")
AUDIO_CODECS = ("none", "aac", "opus")


@dataclass(frozen=True, slots=True)
class Offset:
    """A point or length in a video: seconds, or a percentage of its duration."""

    value: float
    percent: bool = False
    auto: bool = False  # so_auto: the frame a thumbnail should show (here: the middle one)

    def resolve(self, duration: float) -> float:
        if self.auto:
            return duration / 2
        return self.value * duration / 100 if self.percent else self.value


@dataclass(frozen=True, slots=True)
class FrameRate:
    low: float | None  # fps_25: low == high == 25
    high: float | None


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """The video parameters of one URL component. None = not given."""

    start_offset: Offset | None = None
    end_offset: Offset | None = None
    duration: Offset | None = None
    frame_rate: FrameRate | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    bit_rate: int | None = None
    keyframe_interval: float | None = None  # seconds
    streaming_profile: str | None = None
    video_format: str | None = None
    volume: float | None = None  # a gain factor: 1.0 unchanged, 0.0 mute
    speed: float | None = None  # e_accelerate: 2.0 plays twice as fast
    reverse: bool = False
    boomerang: bool = False
    loop: int | None = None  # additional plays
    fade_in: float | None = None  # seconds
    fade_out: float | None = None

    @property
    def empty(self) -> bool:
        return self == VideoOptions()


@dataclass(frozen=True, slots=True)
class VideoComponent:
    image: Transformation  # the image parameters (canonical text: the whole component's)
    video: VideoOptions


def _invalid(label: str, raw: str) -> InvalidTransformation:
    return InvalidTransformation(f"Invalid {label} - {raw}")


def _offset(label: str) -> Any:
    def parse(raw: str) -> Offset:
        if raw == "auto" and label == "start offset":
            return Offset(50.0, percent=True, auto=True)
        text, percent = raw, False
        if text.endswith(("p", "%")):
            text, percent = text[:-1], True
        if not _NUMBER.fullmatch(text):
            raise _invalid(label, raw)
        value = float(text)
        if value > 1_000_000 or (percent and value > 100):
            raise _invalid(label, raw)
        return Offset(value, percent)

    return parse


def _rate(text: str, raw: str) -> float | None:
    if text == "":
        return None
    if not _NUMBER.fullmatch(text) or not 0 < float(text) <= 240:
        raise _invalid("fps", raw)
    return float(text)


def _frame_rate(raw: str) -> FrameRate:
    low, dash, high = raw.partition("-")
    if not dash:
        value = _rate(raw, raw)
        return FrameRate(value, value)
    rates = FrameRate(_rate(low, raw), _rate(high, raw))
    if rates.low is None and rates.high is None or (rates.low and rates.high and rates.low > rates.high):
        raise _invalid("fps", raw)
    return rates


def _video_codec(raw: str) -> str:
    name = raw.partition(":")[0]  # h264:<profile>:<level>: profiles and levels are left to the encoder
    if name not in VIDEO_CODECS:
        raise _invalid("video codec", raw)
    return name


def _audio_codec(raw: str) -> str:
    if raw not in AUDIO_CODECS:
        raise _invalid("audio codec", raw)
    return raw


_BIT_RATE = re.compile(r"(\d+(?:\.\d+)?)([km]?)(?::constant)?")


def _bit_rate(raw: str) -> int:
    match = _BIT_RATE.fullmatch(raw)
    if not match:
        raise _invalid("bit rate", raw)
    value = float(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)]
    if not 10_000 <= value <= 100_000_000:
        raise _invalid("bit rate", raw)
    return int(value)


def _keyframe_interval(raw: str) -> float:
    if not _NUMBER.fullmatch(raw) or not 0 < float(raw) <= 600:
        raise _invalid("keyframe interval", raw)
    return float(raw)


_PROFILE = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def _streaming_profile(raw: str) -> str:
    if not _PROFILE.fullmatch(raw):
        raise _invalid("streaming profile", raw)
    return raw


def _video_format(raw: str) -> str:
    if raw not in VIDEO_FORMATS:
        raise _invalid("format", raw)
    return raw


VIDEO_PARAMS: dict[str, ParamSpec] = {
    "so": ParamSpec("start_offset", "start offset", _offset("start offset"), "Start offset: seconds or percent (10p)."),
    "eo": ParamSpec("end_offset", "end offset", _offset("end offset"), "End offset: seconds or percent (90p)."),
    "du": ParamSpec("duration", "duration", _offset("duration"), "Duration from the start offset: seconds or percent."),
    "fps": ParamSpec("frame_rate", "fps", _frame_rate, "Output frame rate, or a range min-max the source rate is kept within."),
    "vc": ParamSpec("video_codec", "video codec", _video_codec, "Video codec: h264 h265 vp9 av1 auto none."),
    "ac": ParamSpec("audio_codec", "audio codec", _audio_codec, "Audio codec: none (remove the sound), aac, opus."),
    "br": ParamSpec("bit_rate", "bit rate", _bit_rate, "Video bit rate: 800k, 2m, or bits per second."),
    "ki": ParamSpec("keyframe_interval", "keyframe interval", _keyframe_interval, "Seconds between keyframes (0 < ki <= 600)."),
    "sp": ParamSpec("streaming_profile", "streaming profile", _streaming_profile, "HLS streaming profile: auto or a name."),
}


# --- video effects (e_<name>[:<value>]) -> (field, value) --------------------------------------

def _volume(args: list[str], raw: str) -> dict[str, Any]:
    """e_volume[:<-100..400 percent>|:<n>db|:mute]: a gain factor."""
    text = args[0] if args else "0"
    if text == "mute":
        return {"volume": 0.0}
    if text.lower().endswith("db"):
        decibels = _signed(text[:-2], raw, "volume", -60, 60)
        return {"volume": round(10 ** (decibels / 20), 6)}
    return {"volume": round(1 + _signed(text, raw, "volume", -100, 400) / 100, 6)}


def _accelerate(args: list[str], raw: str) -> dict[str, Any]:
    """e_accelerate[:<-50..100 percent>] (default 100: twice as fast)."""
    percent = _signed(args[0], raw, "accelerate", -50, 100) if args else 100.0
    return {"speed": 1 + percent / 100}


def _loop(args: list[str], raw: str) -> dict[str, Any]:
    """e_loop[:<additional plays, 1-20>] (default 1)."""
    count = _signed(args[0], raw, "loop", 1, 20) if args else 1
    if count != int(count):
        raise _invalid("loop", raw)
    return {"loop": int(count)}


def _fade(args: list[str], raw: str) -> dict[str, Any]:
    """e_fade[:<ms>]: positive fades in from the start, negative fades out at the end (default 2000)."""
    milliseconds = _signed(args[0], raw, "fade", -600_000, 600_000) if args else 2000.0
    if milliseconds == 0:
        raise _invalid("fade", raw)
    return {"fade_in": milliseconds / 1000} if milliseconds > 0 else {"fade_out": -milliseconds / 1000}


def _flag(field: str) -> Any:
    def parse(args: list[str], raw: str) -> dict[str, Any]:
        if args:
            raise _invalid(f"{field} parameters", raw)
        return {field: True}

    return parse


def _signed(text: str, raw: str, label: str, low: float, high: float) -> float:
    body = text[1:] if text.startswith("-") else text
    if not _NUMBER.fullmatch(body):
        raise _invalid(label, raw)
    value = float(text)
    if not low <= value <= high:
        raise _invalid(label, raw)
    return value


VIDEO_EFFECTS = {
    "volume": _volume,
    "accelerate": _accelerate,
    "reverse": _flag("reverse"),
    "boomerang": _flag("boomerang"),
    "loop": _loop,
    "fade": _fade,
}
VIDEO_EFFECT_DOCS = {
    "volume": "Volume: -100..400 percent, <n>dB, or mute.",
    "accelerate": "Speed: -50..100 percent (default 100, twice as fast).",
    "reverse": "Plays backwards (the sound too).",
    "boomerang": "Plays forwards then backwards (without sound).",
    "loop": "Plays 1-20 more times (default 1).",
    "fade": "Fade in (ms) from black and silence, or out (negative ms) at the end.",
}


def _is_video_part(code: str, value: str) -> bool:
    if code in VIDEO_PARAMS:
        return True
    if code == "e":
        return value.partition(":")[0] in VIDEO_EFFECTS
    return code == "f" and value in VIDEO_FORMATS


def looks_like_video_component(segment: str) -> tuple[bool, bool]:
    """(every part is a known key_value, at least one is): as chain.looks_like_component."""
    image_parts = []
    video_known = False
    for part in segment.split(","):
        match = _KEY_VALUE.fullmatch(part)
        if match and _is_video_part(*match.groups()):
            video_known = True
        else:
            image_parts.append(part)
    if not image_parts:
        return True, video_known
    all_known, any_known = looks_like_component(",".join(image_parts))
    return all_known, any_known or video_known


def parse_video_component(segment: str) -> VideoComponent:
    """Split one URL component into its image and video parameters and parse both."""
    values: dict[str, Any] = {}
    image_parts: list[str] = []
    for part in segment.split(","):
        match = _KEY_VALUE.fullmatch(part)
        if not match or not _is_video_part(*match.groups()):
            image_parts.append(part)
            continue
        code, raw = match.groups()
        if code == "e":
            name, *args = raw.split(":")
            found = VIDEO_EFFECTS[name](args, raw)
        elif code == "f":
            found = {"video_format": _video_format(raw)}
        else:
            spec = VIDEO_PARAMS[code]
            found = {spec.name: spec.parse(raw)}
        for name in found:
            if name in values:
                raise InvalidTransformation(f"Duplicate parameter - {code}")
        values.update(found)
    image = parse_component(",".join(image_parts)) if image_parts else Transformation()
    canonical = ",".join(sorted(segment.split(",")))
    return VideoComponent(dataclasses.replace(image, canonical=canonical), VideoOptions(**values))
