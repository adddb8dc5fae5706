"""Output format and quality: negotiation (pure) and the libvips savers.

f_auto: AVIF when Accept names image/avif, else WebP when it names image/webp, else JPEG
(PNG when the result has alpha). No f_ and no extension: the original's format.

q_auto levels -> quality, per format. AVIF's scale runs lower than JPEG's for the same
visual quality, so its numbers are lower; PNG and GIF are lossless here and ignore q.

    level   JPEG  WebP  AVIF
    best     90    90    70
    good     80    80    60     (q_auto = q_auto:good)
    eco      70    70    50
    low      60    60    40
    (none)   80    80    60     the default without q_

HEIC, JPEG 2000 and JPEG XL take q on JPEG's scale (default 80); PNG, GIF, TIFF (LZW), BMP
and ICO are lossless and ignore it. q_<n>:420|444 sets JPEG's and AVIF's/HEIC's chroma
subsampling (WebP is always 4:2:0 when lossy).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyvips

from edge.grammar.params import AUTO_FORMAT
from edge.grammar.values import Colour, OutputFormat, Quality
from edge.imaging import writers
from edge.imaging.steps import WHITE

AUTO_QUALITY = {
    OutputFormat.JPEG: {"best": 90, "good": 80, "eco": 70, "low": 60},
    OutputFormat.WEBP: {"best": 90, "good": 80, "eco": 70, "low": 60},
    OutputFormat.AVIF: {"best": 70, "good": 60, "eco": 50, "low": 40},
}
DEFAULT_QUALITY = {OutputFormat.JPEG: 80, OutputFormat.WEBP: 80, OutputFormat.AVIF: 60}
# Formats a multi-page result (pg_ ranges, animation) can be written as, one frame per page.
MULTI_PAGE_FORMATS = (OutputFormat.GIF, OutputFormat.WEBP, OutputFormat.TIFF, OutputFormat.PDF)
# Formats of originals we can write back as they are when no format is asked for.
_SAME_AS_SOURCE = {"jpeg": OutputFormat.JPEG, "png": OutputFormat.PNG, "webp": OutputFormat.WEBP, "gif": OutputFormat.GIF}


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """What to write. format None = decide from the source (its own format, or JPEG/PNG by alpha)."""

    format: OutputFormat | None
    quality: Quality | None = None
    progressive: bool = False
    negotiated: bool = False  # the answer depends on Accept: Vary: Accept
    by_alpha: bool = False  # f_auto without AVIF/WebP support: JPEG, or PNG when there is alpha

    @property
    def token(self) -> str:
        """Everything that changes the bytes, for the cache key."""
        fmt = self.format.value if self.format else ("legacy" if self.by_alpha else "original")
        q = self.quality.value or self.quality.auto_level if self.quality else "-"
        chroma = f":{self.quality.chroma}" if self.quality and self.quality.chroma else ""
        return f"{fmt}:{q}{chroma}:{'p' if self.progressive else ''}"

    def resolve(self, source_loader: str, source_is_avif: bool, source_has_alpha: bool) -> OutputFormat:
        if self.format is not None:
            return self.format
        if self.by_alpha:
            return OutputFormat.PNG if source_has_alpha else OutputFormat.JPEG
        if source_is_avif:
            return OutputFormat.AVIF
        return _SAME_AS_SOURCE.get(source_loader, OutputFormat.PNG if source_has_alpha else OutputFormat.JPEG)


def accepted_types(accept: str) -> frozenset[str]:
    """Media types the client accepts (q=0 means refused)."""
    types = set()
    for entry in accept.split(","):
        media_type, *params = (part.strip() for part in entry.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        types.add(media_type.lower())
    return frozenset(types)


def negotiate(requested: OutputFormat | str | None, quality: Quality | None, flags: frozenset[str], accept: str) -> OutputSpec:
    progressive = any(f == "progressive" or f in ("progressive:semi", "progressive:steep") for f in flags)
    if requested == AUTO_FORMAT:
        types = accepted_types(accept)
        if "image/avif" in types:
            return OutputSpec(OutputFormat.AVIF, quality, progressive, negotiated=True)
        if "image/webp" in types:
            return OutputSpec(OutputFormat.WEBP, quality, progressive, negotiated=True)
        return OutputSpec(None, quality, progressive, negotiated=True, by_alpha=True)
    assert requested is None or isinstance(requested, OutputFormat)
    return OutputSpec(requested, quality, progressive)


def quality_for(fmt: OutputFormat, quality: Quality | None) -> int:
    if quality is None:
        return DEFAULT_QUALITY.get(fmt, 80)
    if quality.value is not None:
        return quality.value
    return AUTO_QUALITY.get(fmt, {}).get(quality.auto_level or "good", 80)


def metadata_kept(flags: frozenset[str]) -> str:
    """libvips `keep`: the ICC profile by default; fl_strip_profile/fl_force_strip drop it,
    fl_keep_iptc also keeps IPTC (and XMP, where Cloudinary keeps the copyright fields)."""
    if "strip_profile" in flags or "force_strip" in flags:
        return "none"
    if "keep_iptc" in flags or "keep_attribution" in flags:
        return "icc,iptc,xmp"
    return "icc"


def _subsample(quality: Quality | None) -> str:
    if quality is None or quality.chroma is None:
        return "auto"
    return "on" if quality.chroma == 420 else "off"


def _flat(image: pyvips.Image, background: Colour | None) -> pyvips.Image:
    return image.flatten(background=(background or WHITE).rgba[:3]) if image.hasalpha() else image


def encode(image: pyvips.Image, fmt: OutputFormat, spec: OutputSpec, background: Colour | None,
           flags: frozenset[str] = frozenset()) -> bytes:
    """Write the image; metadata is stripped except the colour profile (see metadata_kept)."""
    q = quality_for(fmt, spec.quality)
    keep = metadata_kept(flags)
    if fmt is OutputFormat.JPEG:
        return _flat(image, background).jpegsave_buffer(Q=q, optimize_coding=True, interlace=spec.progressive, keep=keep,
                                                        subsample_mode=_subsample(spec.quality))
    if fmt is OutputFormat.TIFF:  # several pages when page-height is set (pg_ ranges, animations)
        return image.tiffsave_buffer(compression="lzw", predictor="horizontal", keep=keep)
    if fmt in (OutputFormat.HEIC, OutputFormat.BMP, OutputFormat.ICO, OutputFormat.JP2, OutputFormat.JXL, OutputFormat.PDF):
        return _with_pillow(image, fmt, q, spec.quality, background)
    if fmt is OutputFormat.PNG:
        # fl_png8 (and fl_lossy on PNG): a 256-colour palette, as Cloudinary's PNG-8.
        palette = "png8" in flags or "lossy" in flags
        if "png24" in flags and image.hasalpha():
            image = image.flatten(background=(background or WHITE).rgba[:3])
        return image.pngsave_buffer(compression=6, interlace=spec.progressive, keep=keep, palette=palette,
                                    Q=q if palette else 100)
    if fmt is OutputFormat.WEBP:
        return image.webpsave_buffer(Q=q, effort=4, keep=keep)
    if fmt is OutputFormat.AVIF:
        return image.heifsave_buffer(Q=q, compression="av1", effort=2, keep=keep, subsample_mode=_subsample(spec.quality))
    if "lossy" in flags:  # fl_lossy on GIF: let frames and palettes reuse close colours
        return image.gifsave_buffer(keep="none", interframe_maxerror=8, interpalette_maxerror=12)
    return image.gifsave_buffer(keep="none")


def _with_pillow(image: pyvips.Image, fmt: OutputFormat, q: int, quality: Quality | None, background: Colour | None) -> bytes:
    if fmt is OutputFormat.HEIC:
        return writers.heic(_first_page(image), q, quality.chroma if quality else None)
    if fmt is OutputFormat.BMP:
        return writers.bmp(_flat(_first_page(image), background))
    if fmt is OutputFormat.ICO:
        return writers.ico(_first_page(image))
    if fmt is OutputFormat.JP2:
        return writers.jp2(_first_page(image), q)
    if fmt is OutputFormat.JXL:
        return writers.jxl(_first_page(image), q)
    return writers.pdf([_flat(page, background) for page in pages_of(image)], q)


def pages_of(image: pyvips.Image) -> list[pyvips.Image]:
    """The pages of a multi-page image (frames stacked vertically with page-height)."""
    if "page-height" not in image.get_fields():
        return [image]
    height = image.get("page-height")
    if height <= 0 or image.height % height:
        return [image]
    return [image.crop(0, top, image.width, height) for top in range(0, image.height, height)]


def _first_page(image: pyvips.Image) -> pyvips.Image:
    return pages_of(image)[0]
