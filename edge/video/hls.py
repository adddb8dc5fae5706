"""HLS: streaming profiles -> a master playlist of renditions -> media playlists -> segments.

Pure text and arithmetic; every URL is a delivery URL of the same asset, so renditions and
segments are ordinary derivatives (cached, produced lazily on first request):

    .../[prefix/]sp_<profile>/v<version>/<id>.m3u8                 master playlist
    .../[prefix/]<rendition>/v<version>/<id>.m3u8                  media playlist of one rendition
    .../[prefix/]<rendition>/so_<a>,eo_<b>/v<version>/<id>.ts      one segment (MPEG-TS, H.264 + AAC)

A rendition is `br_<rate>,c_limit,h_<h>,vc_h264,w_<w>` (never upscaled). Segments are encoded one
by one, each starting on a keyframe, with timestamps continuing from the segment before
(`VideoPlan.timestamp_offset`), so a player joins them without a discontinuity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edge.errors import InvalidTransformation

SEGMENT_SECONDS = 4.0
PLAYLIST_MEDIA_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_MEDIA_TYPE = "video/mp2t"


@dataclass(frozen=True, slots=True)
class Rung:
    width: int
    height: int
    bit_rate: int  # video bits per second

    @property
    def transformation(self) -> str:
        """Sorted as the SDK sorts a component's parameters, so it is also the canonical text."""
        return f"br_{self.bit_rate // 1000}k,c_limit,h_{self.height},vc_h264,w_{self.width}"


LADDER = (
    Rung(3840, 2160, 14_000_000),
    Rung(1920, 1080, 4_500_000),
    Rung(1280, 720, 2_500_000),
    Rung(960, 540, 1_500_000),
    Rung(640, 360, 800_000),
    Rung(480, 270, 400_000),
    Rung(320, 180, 250_000),
)
# Cloudinary's predefined profile names: the top rung each allows.
PROFILES = {"4k": 2160, "full_hd": 1080, "full_hd_wifi": 1080, "full_hd_lean": 1080, "hd": 720, "hd_lean": 720, "sd": 360}
MAX_RUNGS = 5
AUDIO_BIT_RATE = 128_000


def renditions(profile: str, source_height: int) -> tuple[Rung, ...]:
    """The rungs of a profile for a source: none above the source (no upscaling), at least one."""
    if profile == "auto":
        top = source_height
    elif profile in PROFILES:
        top = PROFILES[profile]
    else:
        raise InvalidTransformation(f"Invalid streaming profile - {profile} (auto, {', '.join(sorted(PROFILES))})")
    fitting = [r for r in LADDER if r.height <= min(top, max(source_height, LADDER[-1].height))]
    return tuple(fitting[:MAX_RUNGS]) or (LADDER[-1],)


def master_playlist(variants: list[tuple[Rung, int, int, str]], has_audio: bool) -> str:
    """variants: (rung, output width, output height, media playlist URL)."""
    codecs = "avc1.640028,mp4a.40.2" if has_audio else "avc1.640028"
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung, width, height, url in variants:
        bandwidth = rung.bit_rate + (AUDIO_BIT_RATE if has_audio else 0)
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={width}x{height},CODECS="{codecs}"')
        lines.append(url)
    return "\n".join(lines) + "\n"


def segments(start: float, end: float, seconds: float = SEGMENT_SECONDS) -> list[tuple[float, float]]:
    """[start, end) in pieces of `seconds` (the last one shorter), on a millisecond grid."""
    count = max(1, math.ceil((end - start) / seconds - 1e-9))
    bounds = [round(start + i * seconds, 3) for i in range(count)] + [round(end, 3)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def media_playlist(pieces: list[tuple[float, float, str]]) -> str:
    """pieces: (start, end, segment URL)."""
    target = math.ceil(max(b - a for a, b, _ in pieces))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for a, b, url in pieces:
        lines += [f"#EXTINF:{b - a:.3f},", url]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def segment_component(start: float, end: float) -> str:
    return f"eo_{end:g},so_{start:g}"
