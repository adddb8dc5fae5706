"""Header-only read: what the original is, before any pixel is decoded."""

from __future__ import annotations

from dataclasses import dataclass

import pyvips

from edge.errors import InvalidImage
from edge.imaging.runtime import TRUSTED_LOADERS


@dataclass(frozen=True, slots=True)
class SourceInfo:
    width: int  # as displayed, after EXIF orientation
    height: int
    pages: int
    loader: str  # jpeg, png, webp, gif, heif, tiff
    orientation: int  # EXIF 1-8
    has_alpha: bool
    is_avif: bool = False

    @property
    def pixels(self) -> int:
        return self.width * self.height


def open_header(data: bytes, **options: object) -> pyvips.Image:
    try:
        return pyvips.Image.new_from_buffer(data, "", access="sequential", **options)
    except pyvips.Error as exc:
        raise InvalidImage("Unsupported or corrupt image", detail=str(exc).strip()) from None


def loader_for(data: bytes) -> str:
    """The libvips loader that would read these bytes, found by sniffing only (nothing is parsed)."""
    pointer = pyvips.vips_lib.vips_foreign_find_load_buffer(data, len(data))
    if pointer == pyvips.ffi.NULL:
        raise InvalidImage("Unsupported or corrupt image")
    return pyvips.ffi.string(pointer).decode()


def probe(data: bytes, sanitised_svg: bool = False) -> SourceInfo:
    """sanitised_svg: the bytes went through formats.sanitise_svg; only then is SVG accepted,
    and an SVG that did not is refused before librsvg parses a byte of it."""
    if "Svg" in loader_for(data) and not sanitised_svg:
        raise InvalidImage("Unsupported image format - svg")
    image = open_header(data)
    loader = image.get("vips-loader").removesuffix("load_buffer").removesuffix("load_source")
    if loader not in TRUSTED_LOADERS and not (loader == "svg" and sanitised_svg):
        raise InvalidImage(f"Unsupported image format - {loader}")
    fields = set(image.get_fields())
    orientation = image.get("orientation") if "orientation" in fields else 1
    orientation = orientation if 1 <= orientation <= 8 else 1
    width, height = image.width, image.height
    pages = image.get("n-pages") if "n-pages" in fields else 1
    if "page-height" in fields and pages > 1:
        height = image.get("page-height")
    if orientation >= 5:
        width, height = height, width
    is_avif = loader == "heif" and "heif-compression" in fields and image.get("heif-compression") == "av1"
    return SourceInfo(width, height, pages, loader, orientation, image.hasalpha(), is_avif)
