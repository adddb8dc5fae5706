"""Documents for the page and format tests: a small PDF, and opening any image format Pillow can read."""

from __future__ import annotations

import io

from PIL import Image

from tests.helpers.images import BLUE, GREEN, RED


def three_page_pdf() -> bytes:
    """Pages of 72x36 pt: red, green, blue."""
    pages = [Image.new("RGB", (72, 36), colour) for colour in (RED, GREEN, BLUE)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=72.0)
    return buffer.getvalue()


def open_any(data: bytes):  # type: ignore[no-untyped-def]
    import pillow_heif
    import pillow_jxl  # noqa: F401

    pillow_heif.register_heif_opener()
    return Image.open(io.BytesIO(data))
