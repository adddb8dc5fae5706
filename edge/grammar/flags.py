"""The flags (`fl_<name>[:<value>]`, joined with '.') this build knows, those it refuses and why,
and their parser."""

from __future__ import annotations

import re

from edge.errors import InvalidTransformation
from edge.grammar.parsers import invalid

# Flags this build knows, with the values each may carry after ':' (None: any text).
FLAGS: dict[str, tuple[str, ...] | None] = {
    "progressive": ("", "semi", "steep", "none"),
    "layer_apply": ("",),
    "relative": ("",),
    "region_relative": ("",),
    "tiled": ("",),
    "cutter": ("",),
    "no_overflow": ("",),
    "text_no_trim": ("",),
    "text_disallow_overflow": ("",),
    "animated": ("",),
    "awebp": ("",),
    "png8": ("",),
    "png24": ("",),
    "png32": ("",),
    "lossy": ("",),
    "strip_profile": ("",),
    "keep_iptc": ("",),
    "keep_attribution": ("",),
    "force_strip": ("",),
    "force_icc": ("",),
    "preserve_transparency": ("",),
    "ignore_aspect_ratio": ("",),
    "attachment": None,
    "immutable_cache": ("",),
    "getinfo": ("",),
    "any_format": ("",),
    "rasterize": ("",),
    "sanitize": ("",),
}

# Cloudinary image flags this build does not implement, and why (answered with a 400).
UNSUPPORTED_FLAGS: dict[str, str] = {
    "apng": "libvips cannot write animated PNG",
    "clip": "clipping paths (8BIM) are not read",
    "clip_evenodd": "clipping paths (8BIM) are not read",
    "ignore_mask_channels": "PSD mask channels are not read",
    "mono": "audio flag; images have no sound",
    "replace_image": "needs the layer swap of the video pipeline",
    "splice": "video concatenation",
    "streaming_attachment": "video streaming",
    "tiff8_lzw": "TIFF output is not offered",
    "waveform": "audio waveforms",
    "group4": "TIFF Group 4 output is not offered",
    "c2pa": "content credentials are not signed here",
    "draco": "3D models",
    "keep_dar": "video display aspect ratio",
    "truncate_ts": "video streaming",
    "hlsv3": "video streaming",
    "no_stream": "video streaming",
    "alternate": "audio tracks",
}

_ATTACHMENT_NAME = re.compile(r"[A-Za-z0-9_\-. ]{0,128}")


def parse_flags(raw: str) -> frozenset[str]:
    flags = set()
    for part in raw.split("."):
        name, _, value = part.partition(":")
        if name in UNSUPPORTED_FLAGS:
            raise InvalidTransformation(f"Unsupported flag - {name} ({UNSUPPORTED_FLAGS[name]})")
        allowed = FLAGS.get(name, ())
        if name not in FLAGS or (allowed is not None and value not in allowed):
            raise invalid("flag", part)
        if allowed is None and not _ATTACHMENT_NAME.fullmatch(value):  # it becomes a header value
            raise invalid("attachment name", value)
        flags.add(part)
    return frozenset(flags)
