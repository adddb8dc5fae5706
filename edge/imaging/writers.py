"""Output formats the libvips in pyvips-binary does not write, written by Pillow and the codecs
its plugins ship: HEIC (pillow-heif: libheif with x265), BMP, ICO, JPEG 2000 (OpenJPEG, inside
Pillow's wheel), JPEG XL (pillow-jxl-plugin: libjxl through jpegxl-rs) and PDF (Pillow's own
writer). Each takes the finished sRGB image and returns the file's bytes."""

from __future__ import annotations

import io
from typing import Any

import pyvips

# ICO stores at most 256x256 per image (the directory's byte-sized width and height).
ICO_MAX_SIDE = 256
_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def to_pillow(image: pyvips.Image) -> Any:
    from PIL import Image

    if image.format != "uchar":
        image = image.cast("uchar")
    return Image.frombytes(_MODES[image.bands], (image.width, image.height), image.write_to_memory())


def _save(picture: Any, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def heic(image: pyvips.Image, quality: int, chroma: int | None) -> bytes:
    import pillow_heif

    picture = to_pillow(image)
    if picture.mode == "LA":
        picture = picture.convert("RGBA")
    elif picture.mode == "L":
        picture = picture.convert("RGB")
    options: dict[str, Any] = {"quality": quality}
    if chroma is not None:
        options["chroma"] = chroma
    heif = pillow_heif.from_pillow(picture)
    buffer = io.BytesIO()
    heif.save(buffer, **options)
    return buffer.getvalue()


def bmp(image: pyvips.Image) -> bytes:
    return _save(to_pillow(image), "BMP")


def ico(image: pyvips.Image) -> bytes:
    """One image at the result's size, scaled down to fit 256x256 (the format's limit)."""
    if image.width > ICO_MAX_SIDE or image.height > ICO_MAX_SIDE:
        image = image.thumbnail_image(ICO_MAX_SIDE, height=ICO_MAX_SIDE)
    picture = to_pillow(image)
    return _save(picture, "ICO", sizes=[picture.size])


def jp2(image: pyvips.Image, quality: int) -> bytes:
    """q maps to a PSNR target (q 80 -> 45 dB); q 100 is lossless (the reversible wavelet)."""
    picture = to_pillow(image)
    if quality >= 100:
        return _save(picture, "JPEG2000", irreversible=False)
    return _save(picture, "JPEG2000", irreversible=True, quality_mode="dB", quality_layers=[25 + quality / 4])


def jxl(image: pyvips.Image, quality: int) -> bytes:
    import pillow_jxl  # noqa: F401  (registers the JXL plugin with Pillow)

    return _save(to_pillow(image), "JXL", quality=quality, lossless=quality >= 100, effort=4)


def pdf(pages: list[pyvips.Image], quality: int) -> bytes:
    """One page per image, JPEG-compressed at q, at 72 dpi (a pixel is a point, as Cloudinary)."""
    pictures = [to_pillow(page).convert("RGB") for page in pages]
    return _save(pictures[0], "PDF", save_all=True, append_images=pictures[1:], resolution=72.0, quality=quality)
